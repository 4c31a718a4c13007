/**
 * The API's rate limits at their production figures (`DEFAULT_RATE_LIMITS`), on PGlite (buckets
 * in memory) and PostgreSQL (buckets in the database): a room of 50 phones behind one IP signs in
 * through the emulator's consent page and follows without a 429, while one hammering session and
 * a script hammering sign-in are stopped; on PostgreSQL two instances share one budget.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { createEngine } from '../engine/engine.js';
import { seededRandom } from '../lib/random.js';
import { describeEachDatabase } from '../store/test-support/databases.js';
import { uniqueName } from '../store/test-support/factories.js';
import { allowOnConsentPage } from '../test/integration/browser.js';
import { startRig, type Rig } from '../test/integration/harness.js';
import { openSessionKey } from './auth/keys.js';
import { createKeyBox } from './crypto.js';
import type { ZodApp } from './deps.js';
import { engineSettings } from './engine-settings.js';
import { DEFAULT_RATE_LIMITS } from './rate-limits.js';
import { apiRoutes } from './routes/index.js';
import type { ApiTestApp, SignedInGuest } from './test-support/api.js';
import { buildApiTestApp, getAs, signIn } from './test-support/api.js';
import { buildTestApp, TEST_ORIGIN, testConfig } from './test-support/app.js';

/** A phone's browser: one cookie jar, one address, the requests it made and their answers. */
class Phone {
  private readonly jar = new Map<string, string>();
  readonly answers: Array<[string, number]> = [];

  constructor(
    private readonly app: ZodApp,
    private readonly ip: string,
  ) {}

  async send(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      ...options,
      remoteAddress: this.ip,
      cookies: Object.fromEntries(this.jar),
    });
    for (const c of res.cookies) {
      if (c.value === '' || c.maxAge === 0) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    this.answers.push([`${options.method ?? 'GET'} ${options.url}`, res.statusCode]);
    return res;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.send({ url });
  }

  post(url: string, payload?: object): Promise<LightMyRequestResponse> {
    const headers = { origin: TEST_ORIGIN, 'content-type': 'application/json' };
    return this.send({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  }

  /** What the web app asks when it opens: the app's settings, who is signed in, the status. */
  async open(): Promise<void> {
    await Promise.all([
      this.get('/api/info'),
      this.get('/api/me'),
      this.get('/api/session/status'),
      this.get('/api/session/status'),
    ]);
  }

  /** Sign in with Last.fm: init, the emulator's consent page ("Allow access"), the callback. */
  async signIn(user: string, host: string): Promise<void> {
    const init = await this.post('/api/auth/init', { return_to: `/j/${host}` });
    const allow = await allowOnConsentPage(init.json<{ auth_url: string }>().auth_url, user);
    const back = new URL(allow.headers.get('location') ?? '/?error=NO_REDIRECT', TEST_ORIGIN);
    await this.get(back.pathname + back.search);
  }
}

describeEachDatabase('rate limits, a room of phones on one Wi-Fi', (ctx) => {
  let rig: Rig | undefined;
  let app: ZodApp | undefined;
  afterEach(async () => {
    await app?.close();
    await rig?.close();
    app = undefined;
    rig = undefined;
  });

  it('lets 50 guests behind one IP open the app, sign in and follow at once without a 429', async () => {
    const host = uniqueName('maya_host');
    const guests = Array.from({ length: 50 }, (_, i) => uniqueName(`guest${i}`));
    rig = await startRig({ users: [host, ...guests] });
    const config = testConfig();
    const keyBox = createKeyBox(config.sessionSecret);
    const lastfm = rig.client({ maxReadRetries: 0 });
    const engine = createEngine({
      db: ctx.db,
      lastfm,
      clock: rig.clock,
      random: seededRandom(3),
      config: engineSettings(config),
      instanceId: 'rate-limits-room',
      decryptSessionKey: (id, blob) => openSessionKey(keyBox, { id, session_key_enc: blob }) ?? '',
    });
    // No rateLimits: the production figures.
    ({ app } = await buildTestApp({
      config,
      clock: rig.clock,
      db: ctx.db,
      engine,
      keyBox,
      lastfm,
      routes: apiRoutes,
    }));
    const phones = guests.map(() => new Phone(app!, '203.0.113.50'));

    await Promise.all(
      phones.map(async (phone, i) => {
        await phone.open();
        await phone.signIn(guests[i]!, host);
        await phone.open();
        const started = await phone.post('/api/session/start', { target_username: host });
        expect(started.json()).toMatchObject({ success: true, state: 'active' });
        await Promise.all([
          phone.get('/api/session/status'),
          phone.get('/api/session/status'),
          phone.get('/api/session/history'),
        ]);
        await phone.get('/api/session/status');
      }),
    );

    const answers = phones.flatMap((p) => p.answers);
    expect(answers).toHaveLength(50 * 15);
    expect(answers.filter(([, status]) => status === 429)).toEqual([]);
    // Signed out at first (401), then signed in: every later read succeeded.
    for (const phone of phones) {
      expect(
        phone.answers
          .slice(0, 4)
          .map(([, s]) => s)
          .sort(),
      ).toEqual([200, 401, 401, 401]);
      expect(phone.answers.slice(6).every(([, s]) => s === 200)).toBe(true);
    }
  }, 60_000);
});

describeEachDatabase('rate limits, one client misbehaving', (ctx) => {
  const apps: ApiTestApp[] = [];
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.app.close();
  });
  async function build(): Promise<ApiTestApp> {
    const t = await buildApiTestApp(ctx.db, { rateLimits: DEFAULT_RATE_LIMITS });
    apps.push(t);
    return t;
  }

  /** Reads the status as `guest` until refused; returns how many were answered before. */
  async function hammer(t: ApiTestApp, guest: SignedInGuest, ip: string): Promise<number> {
    for (let answered = 0; answered < 1_000; answered++) {
      const res = await t.app.inject({ ...getAs(guest, '/api/session/status'), remoteAddress: ip });
      if (res.statusCode === 429) return answered;
      expect(res.statusCode).toBe(200);
    }
    throw new Error('never refused');
  }

  it('stops a session hammering its status with 429 and Retry-After, not its neighbour on the same IP', async () => {
    const t = await build();
    const [noisy, neighbour] = [
      await signIn(t, uniqueName('noisy')),
      await signIn(t, uniqueName('calm')),
    ];
    const ip = '198.51.100.20';
    expect(await hammer(t, noisy, ip)).toBe(DEFAULT_RATE_LIMITS.perSession.burst);
    const refused = await t.app.inject({
      ...getAs(noisy, '/api/session/status'),
      remoteAddress: ip,
    });
    expect([refused.statusCode, refused.json().code]).toEqual([429, 'RATE_LIMIT']);
    // 2 tokens a second: the next one in half a second, rounded up to whole seconds.
    expect(refused.headers['retry-after']).toBe('1');
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        ...getAs(neighbour, '/api/session/status'),
        remoteAddress: ip,
      });
      expect(res.statusCode).toBe(200);
    }
    await t.clock.advance(1_000);
    expect(await hammer(t, noisy, ip)).toBe(2);
  });

  it('stops a script hammering sign-in from one IP, while that IP’s guests carry on', async () => {
    const t = await build();
    const guest = await signIn(t, uniqueName('guest'));
    const ip = '198.51.100.30';
    const init = {
      method: 'POST' as const,
      url: '/api/auth/init',
      headers: { origin: TEST_ORIGIN },
    };
    const codes: number[] = [];
    for (let i = 0; i < DEFAULT_RATE_LIMITS.signIn.burst + 20; i++) {
      codes.push((await t.app.inject({ ...init, remoteAddress: ip })).statusCode);
    }
    const burst = DEFAULT_RATE_LIMITS.signIn.burst;
    expect(codes.slice(0, burst).every((c) => c === 200)).toBe(true);
    expect(codes.slice(burst).every((c) => c === 429)).toBe(true);
    const refused = await t.app.inject({ ...init, remoteAddress: ip });
    expect(refused.headers['retry-after']).toBe('2');
    const status = await t.app.inject({
      ...getAs(guest, '/api/session/status'),
      remoteAddress: ip,
    });
    expect(status.statusCode).toBe(200);
    const elsewhere = await t.app.inject({ ...init, remoteAddress: '198.51.100.31' });
    expect(elsewhere.statusCode).toBe(200);
  });

  it.runIf(ctx.kind === 'postgres')(
    'shares a session’s budget between two instances on one database',
    async () => {
      const [a, b] = [await build(), await build()];
      const guest = await signIn(a, uniqueName('roams'));
      const ip = '198.51.100.40';
      const codes: string[] = [];
      for (let i = 0; i < DEFAULT_RATE_LIMITS.perSession.burst + 10; i++) {
        const t = i % 2 === 0 ? a : b;
        const res = await t.app.inject({
          ...getAs(guest, '/api/session/status'),
          remoteAddress: ip,
        });
        codes.push(`${t === a ? 'a' : 'b'}${res.statusCode}`);
      }
      const burst = DEFAULT_RATE_LIMITS.perSession.burst;
      // Alone, each instance would have let 40 through: together they let 40 through.
      expect(codes.slice(0, burst).every((c) => c.endsWith('200'))).toBe(true);
      expect(codes.slice(burst)).toEqual([
        'a429',
        'b429',
        'a429',
        'b429',
        'a429',
        'b429',
        'a429',
        'b429',
        'a429',
        'b429',
      ]);
    },
  );
});
