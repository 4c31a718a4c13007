/** The line the server logs once it listens: where to open it, and in demo mode who can reach it. */
import { isLoopbackHost, type Config } from './config.js';
import { DEMO_HOST } from './demo.js';
import type { Lasso } from './runtime.js';

/** The line's fields: the app's address, and in demo mode the emulator's. */
export function startupFields(config: Config, lasso: Lasso): Record<string, unknown> {
  return lasso.demo
    ? { app: config.http.publicUrl, emulator: lasso.demo.emulatorUrl, host: config.http.host }
    : { url: lasso.url, host: config.http.host };
}

/** The start-up line; in demo mode it also says who can reach the demo. */
export function startupMessage(config: Config, lasso: Lasso): string {
  if (!lasso.demo) return `Lasso listening on ${lasso.url}`;
  const reach = isLoopbackHost(config.http.host)
    ? `listening on ${config.http.host} only: set HOST=0.0.0.0 to open it to other devices`
    : `listening on ${config.http.host}: anyone who can reach it can sign in as a demo user`;
  return (
    `Lasso demo: open ${config.http.publicUrl} — simulated Last.fm at ${lasso.demo.emulatorUrl} ` +
    `(host "${DEMO_HOST}" is playing); ${reach}`
  );
}
