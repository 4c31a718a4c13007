/**
 * The Lasso process: reads the configuration, starts everything, and drains on SIGTERM/SIGINT
 * (stop taking work, finish in-flight Last.fm calls, release leases, close event streams, exit 0)
 * within a hard deadline (`shutdown.ts`).
 */
import { writeSync } from 'node:fs';
import { ConfigError, isLoopbackHost, loadConfig, type Config } from './config.js';
import { DEMO_HOST } from './demo.js';
import { createLogger, fdOutput } from './logger.js';
import { openStore } from './open-store.js';
import type { Lasso } from './runtime.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const output = fdOutput();
  const logger = createLogger(config, output);
  // The store starts opening first (PGlite in its own thread) and the rest of the server loads
  // meanwhile: on the embedded store, opening it is most of the start-up time.
  const store = openStore(config, logger);
  // Not left unhandled while the modules load; startLasso awaits it and closes it on failure.
  store.catch(() => undefined);
  const [{ startLasso }, { shutdown }] = await Promise.all([
    import('./runtime.js'),
    import('./shutdown.js'),
  ]);
  const lasso = await startLasso(config, { logger, store });
  logger.info(startupFields(config, lasso), startupMessage(config, lasso));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    void shutdown(
      {
        close: () => lasso.close(),
        logger,
        output,
        exit: (code) => process.exit(code),
        stderr: writeStderr,
      },
      signal,
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function startupFields(config: Config, lasso: Lasso): Record<string, unknown> {
  return lasso.demo
    ? { app: config.http.publicUrl, emulator: lasso.demo.emulatorUrl, host: config.http.host }
    : { url: lasso.url, host: config.http.host };
}

/** The start-up line; in demo mode it also says who can reach the demo. */
function startupMessage(config: Config, lasso: Lasso): string {
  if (!lasso.demo) return `Lasso listening on ${lasso.url}`;
  const reach = isLoopbackHost(config.http.host)
    ? `listening on ${config.http.host} only: set HOST=0.0.0.0 to open it to other devices`
    : `listening on ${config.http.host}: anyone who can reach it can sign in as a demo user`;
  return (
    `Lasso demo: open ${config.http.publicUrl} — simulated Last.fm at ${lasso.demo.emulatorUrl} ` +
    `(host "${DEMO_HOST}" is playing); ${reach}`
  );
}

/** Writes straight to stderr, ignoring failure: it is the last thing a dying process says. */
function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr is gone too; nothing else can be told.
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Lasso failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
