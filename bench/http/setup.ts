/**
 * The scene `bench:http` measures: the Last.fm emulator (in the parent process), guests signed
 * in to Lasso through the emulator's consent page as a browser would, each following a host who
 * is playing, with a few of the host's scrobbles already mirrored so the status has content.
 */
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import { allowOnConsentPage, CookieJar } from '../../test/integration/browser.js';

export const API_KEY = 'bench-api-key';
const API_SECRET = 'bench-api-secret';
/** The host every guest follows. */
export const HOST = 'maya_host';

/** Lasso's PUBLIC_URL must name its port before it listens: a port free right now. */
export { freePort } from '../../lib/free-port.js';

/** The emulator with Lasso's app registered, the host and `guests` created; no rate limit. */
export async function startBenchEmulator(guests: readonly string[]): Promise<EmulatorHandle> {
  return startEmulator({
    rateLimit: false,
    apps: [{ api_key: API_KEY, secret: API_SECRET }],
    users: [HOST, ...guests],
  });
}

/** What a bench may change in Lasso's configuration. */
export interface LassoTuning {
  /**
   * Lasso's pace towards the emulator (default: Lasso's own, 4/s), so that signing in and
   * mirroring to a thousand guests takes seconds instead of minutes.
   */
  lastfmRequestsPerSecond?: number;
  /**
   * `POLLING_INTERVAL_MS`; default 1000, so the setup's scrobbles are mirrored in a second or
   * two. `null`: Lasso's own default (20 s), so the host is not polled 20× more than in
   * production while measuring.
   */
  pollingIntervalMs?: number | null;
}

/** Lasso's configuration variables for the bench: real settings, scratch PGlite, quiet logs. */
export function lassoEnv(
  emu: EmulatorHandle,
  port: number,
  dataDir: string,
  tuning: LassoTuning = {},
): Record<string, string> {
  const { lastfmRequestsPerSecond, pollingIntervalMs = 1000 } = tuning;
  return {
    ENVIRONMENT: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LASTFM_API_KEY: API_KEY,
    LASTFM_API_SECRET: API_SECRET,
    LASTFM_API_URL: emu.apiUrl,
    LASTFM_AUTH_URL: emu.authUrl,
    SESSION_SECRET: 'a-benchmark-session-secret-of-more-than-40-chars',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(pollingIntervalMs === null ? {} : { POLLING_INTERVAL_MS: String(pollingIntervalMs) }),
    ...(lastfmRequestsPerSecond === undefined
      ? {}
      : { LASTFM_REQUESTS_PER_SECOND: String(lastfmRequestsPerSecond) }),
  };
}

async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) {
    throw new Error(`${what}: HTTP ${res.status} ${await res.text().catch(() => '')}`);
  }
  return res;
}

/**
 * Signs `user` in: `POST /api/auth/init`, the consent page's "Allow access", the callback.
 * Returns the `Cookie` header of the signed-in browser.
 */
export async function signIn(origin: string, user: string): Promise<string> {
  const jar = new CookieJar();
  const init = await fetch(`${origin}/api/auth/init`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ return_to: `/j/${HOST}` }),
  });
  await expectStatus(init, 200, 'auth init');
  jar.take(init);
  const { auth_url: authUrl } = (await init.json()) as { auth_url: string };
  const allow = await allowOnConsentPage(authUrl, user);
  await expectStatus(allow, 303, 'consent page');
  const callback = allow.headers.get('location') ?? '';
  const landed = await fetch(callback, { headers: { cookie: jar.header() }, redirect: 'manual' });
  await expectStatus(landed, 303, 'auth callback');
  jar.take(landed);
  return jar.header();
}

/** Starts following the host, now-playing mirroring on (the product default). */
export async function follow(origin: string, cookie: string): Promise<void> {
  const res = await fetch(`${origin}/api/session/start`, {
    method: 'POST',
    headers: { origin, cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ target_username: HOST, mirror_now_playing: true }),
  });
  await expectStatus(res, 200, 'session start');
  await res.body?.cancel();
}

/** `GET /api/session/status` as the guest sees it. */
export async function status(origin: string, cookie: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${origin}/api/session/status`, { headers: { cookie } });
  await expectStatus(res, 200, 'session status');
  return (await res.json()) as Record<string, unknown>;
}

/** The host's tracks: `count` scrobbles one second apart from `firstTimestamp` (Unix seconds). */
export function hostScrobbles(count: number, firstTimestamp: number) {
  return Array.from({ length: count }, (_, i) => ({
    artist: 'Björk',
    track: `Track ${i + 1}`,
    album: 'Homogenic',
    timestamp: firstTimestamp + i,
  }));
}

/** `fn` over `items`, at most `concurrency` at a time; the results in the items' order. */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker),
  );
  return results;
}

/** Polls `probe` every 200 ms until it returns true; throws after `ms`. */
export async function waitUntil(probe: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
