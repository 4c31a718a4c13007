/**
 * The whole product over real sockets: Lasso (HTTP server, engine, store) started as `main.ts`
 * starts it, against the Last.fm emulator. A guest signs in through the emulator's consent page,
 * follows a host, the host scrobbles, and the copy lands in the guest's emulated library.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../lib/free-port.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import { loadConfig } from '../../server/config.js';
import { createLogger, memoryDestination } from '../../server/logger.js';
import { startLasso, type Lasso } from '../../server/runtime.js';
import { allowOnConsentPage } from '../integration/browser.js';

const SECRET = 'an-integration-test-session-secret-of-40+chars';
let emu: EmulatorHandle;
let lasso: Lasso;
let dataDir: string;
let webRoot: string;
let origin: string;
let lastToken = '';
const logs = memoryDestination();

beforeAll(async () => {
  emu = await startEmulator({
    rateLimit: false,
    apps: [{ api_key: 'K', secret: 'S' }],
    users: ['maya_host', 'rj_guest'],
  });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lasso-system-'));
  // A stand-in for the Vite build, so the web app is served as `npm start` serves dist/web.
  webRoot = path.join(dataDir, 'web');
  await mkdir(path.join(webRoot, 'assets'), { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>Lasso</title>');
  await writeFile(path.join(webRoot, 'assets', 'app-1a2b.js'), 'export {};');
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    ENVIRONMENT: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: origin,
    LASTFM_API_KEY: 'K',
    LASTFM_API_SECRET: 'S',
    LASTFM_API_URL: emu.apiUrl,
    LASTFM_AUTH_URL: emu.authUrl,
    SESSION_SECRET: SECRET,
    DATA_DIR: dataDir,
    POLLING_INTERVAL_MS: '1000',
    LOG_LEVEL: 'debug',
  });
  lasso = await startLasso(config, { logger: createLogger(config, logs), webRoot });
}, 60_000);

afterAll(async () => {
  await lasso?.close();
  await emu?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Cookies a browser would keep for Lasso's origin. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '')
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

async function signIn(jar: CookieJar, user: string): Promise<Response> {
  const init = await fetch(`${origin}/api/auth/init`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json', cookie: jar.header() },
    body: JSON.stringify({ return_to: '/j/maya_host' }),
  });
  expect(init.status).toBe(200);
  jar.take(init);
  const { auth_url: authUrl } = (await init.json()) as { auth_url: string };
  // The browser opens Last.fm's (the emulator's) consent page and clicks "Allow access".
  const allow = await allowOnConsentPage(authUrl, user);
  expect(allow.status).toBe(303);
  const callback = allow.headers.get('location')!;
  lastToken = new URL(callback).searchParams.get('token') ?? '';
  expect(callback.startsWith(`${origin}/api/auth/callback`)).toBe(true);
  const landed = await fetch(callback, { headers: { cookie: jar.header() }, redirect: 'manual' });
  jar.take(landed);
  return landed;
}

async function api(jar: CookieJar, method: 'GET' | 'POST', route: string, body?: unknown) {
  const res = await fetch(`${origin}${route}`, {
    method,
    headers: {
      cookie: jar.header(),
      ...(method === 'POST' ? { origin, 'content-type': 'application/json' } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    // Twice a second: a guest's session may make 120 requests a minute.
    await new Promise((r) => setTimeout(r, 500));
  }
}

it('signs a guest in through Last.fm, follows a host and mirrors its scrobble onto the guest', async () => {
  const jar = new CookieJar();
  const landed = await signIn(jar, 'rj_guest');
  expect(landed.status).toBe(303);
  expect(landed.headers.get('location')).toBe('/j/maya_host');
  expect(jar.has('lasso_session')).toBe(true);

  const me = await api(jar, 'GET', '/api/me');
  expect(me).toEqual({ status: 200, body: { username: 'rj_guest', demo: false } });

  const started = await api(jar, 'POST', '/api/session/start', {
    target_username: 'maya_host',
    mirror_now_playing: true,
  });
  expect(started).toMatchObject({ status: 200, body: { success: true, state: 'active' } });

  // The host plays a track that starts after the guest joined, and its player scrobbles it when
  // it ends. A short track: the engine polls the host again at the track's end, not before.
  const startedAt = Math.ceil(Date.now() / 1000) + 1;
  emu.setNowPlaying('maya_host', {
    artist: 'Björk',
    track: 'Jóga',
    album: 'Homogenic',
    duration: 3,
  });
  await new Promise((r) => setTimeout(r, 3_000));
  emu.addScrobble('maya_host', {
    artist: 'Björk',
    track: 'Jóga',
    album: 'Homogenic',
    timestamp: startedAt,
  });
  emu.clearNowPlaying('maya_host');

  const status = await waitFor(async () => {
    const s = await api(jar, 'GET', '/api/session/status');
    return s.body.scrobble_count === 1 ? s.body : undefined;
  }, 30_000);
  expect(status).toMatchObject({ state: 'active', target_username: 'maya_host' });
  expect(emu.scrobbles('rj_guest')).toEqual([
    { artist: 'Björk', track: 'Jóga', album: 'Homogenic', timestamp: startedAt },
  ]);

  const stopped = await api(jar, 'POST', '/api/session/stop');
  expect(stopped).toMatchObject({ status: 200, body: { success: true, state: 'stopped' } });
  // Nothing the guest could not have heard, and the one-time token never reached a log line.
  expect(emu.scrobbles('rj_guest')).toHaveLength(1);
  expect(lastToken).not.toBe('');
  expect(logs.text()).not.toContain(lastToken);
}, 60_000);

it('serves the web app on the API’s origin: pages, hashed assets, and JSON 404s under /api', async () => {
  const page = await fetch(`${origin}/j/maya_host`);
  expect(page.status).toBe(200);
  expect(await page.text()).toBe('<!doctype html><title>Lasso</title>');
  expect(page.headers.get('cache-control')).toBe('no-cache');
  expect(page.headers.get('content-security-policy')).toContain("worker-src 'self'");
  const asset = await fetch(`${origin}/assets/app-1a2b.js`);
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect((await fetch(`${origin}/no/such/page`)).status).toBe(404);
  const api = await fetch(`${origin}/api/no/such/route`);
  expect([api.status, ((await api.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
  const info = await fetch(`${origin}/api/info`);
  expect(await info.json()).toMatchObject({ demo: false, demo_host: null, history_days: 30 });
});
