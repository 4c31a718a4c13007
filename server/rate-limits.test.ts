import type { InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { createMemoryBuckets, type TokenBuckets } from '../store/rate-limit.js';
import type { RouteModule, ZodApp } from './deps.js';
import { ipBucketKey, type RateLimits } from './rate-limits.js';
import { COOKIE_NAME } from './session-cookie.js';
import { buildTestApp, TEST_ORIGIN } from './test-support/app.js';

/** Stand-ins at the paths the limits treat apart, and a plain read. */
const routes: RouteModule = (app) => {
  app.get('/api/test/read', async () => ({ ok: true }));
  app.post('/api/auth/init', async () => ({ auth_url: 'https://www.last.fm/api/auth/' }));
  app.get('/api/session/events', async () => ({ stream: true }));
  app.get('/page', async () => 'a page');
};

const small: RateLimits = {
  perIp: { perSecond: 1, burst: 5 },
  perSession: { perSecond: 0.5, burst: 2 },
  signIn: { perSecond: 0.25, burst: 2 },
};

let app: ZodApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(rateLimits: RateLimits = small, rateLimitBuckets?: TokenBuckets) {
  const built = await buildTestApp({
    routes: [routes],
    rateLimits,
    ...(rateLimitBuckets ? { rateLimitBuckets } : {}),
  });
  app = built.app;
  return { app: built.app, clock: built.deps.clock as ManualClock };
}

const cookie = (id: string) => ({ cookie: `${COOKIE_NAME}=${id}` });

/** The status codes of `n` identical requests. */
async function statuses(app: ZodApp, n: number, request: InjectOptions): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) codes.push((await app.inject(request)).statusCode);
  return codes;
}

describe('rate limits', () => {
  it('stops one session with 429 RATE_LIMIT and Retry-After, and lets it on once refilled', async () => {
    const { app, clock } = await build();
    const read = { url: '/api/test/read', headers: cookie('a'.repeat(43)) };
    expect(await statuses(app, 3, read)).toEqual([200, 200, 429]);
    const refused = await app.inject(read);
    expect(refused.json()).toEqual({
      error: 'Too many requests; try again shortly',
      code: 'RATE_LIMIT',
    });
    // 0.5 token a second: a whole token in 2 s.
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['cache-control']).toBe('no-store');
    await clock.advance(2_000);
    expect(await statuses(app, 2, read)).toEqual([200, 429]);
  });

  it('does not spend the IP’s budget on a session’s refused requests', async () => {
    const { app } = await build();
    const hammer = { url: '/api/test/read', headers: cookie('hammer') };
    expect(await statuses(app, 20, hammer)).toEqual([200, 200, ...Array<number>(18).fill(429)]);
    // Same IP, other sessions: 3 of the IP's 5 tokens are left.
    expect(await statuses(app, 1, { url: '/api/test/read', headers: cookie('x') })).toEqual([200]);
    expect(await statuses(app, 1, { url: '/api/test/read', headers: cookie('y') })).toEqual([200]);
    expect(await statuses(app, 2, { url: '/api/test/read', headers: cookie('z') })).toEqual([
      200, 429,
    ]);
  });

  it('limits each IP even when every request brings a new cookie', async () => {
    const { app } = await build();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push(
        (await app.inject({ url: '/api/test/read', headers: cookie(`c-${i}`) })).statusCode,
      );
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const elsewhere = await app.inject({ url: '/api/test/read', remoteAddress: '10.0.0.9' });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('limits sign-in per IP more strictly, without spending the IP’s budget on refusals', async () => {
    const { app, clock } = await build();
    const init = {
      method: 'POST' as const,
      url: '/api/auth/init',
      headers: { origin: TEST_ORIGIN },
    };
    expect(await statuses(app, 6, init)).toEqual([200, 200, 429, 429, 429, 429]);
    const refused = await app.inject(init);
    expect(refused.headers['retry-after']).toBe('4');
    // Two inits took two of the IP's five tokens; the refused ones took none.
    expect(await statuses(app, 4, { url: '/api/test/read' })).toEqual([200, 200, 200, 429]);
    expect((await app.inject({ ...init, remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
    await clock.advance(4_000);
    expect((await app.inject({ ...init, remoteAddress: '10.0.0.8' })).statusCode).toBe(200);
  });

  it('counts the event stream against its session only, never against the IP', async () => {
    const { app } = await build();
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const headers = cookie(`phone-${i}`);
      codes.push((await app.inject({ url: '/api/session/events', headers })).statusCode);
    }
    expect(codes).toEqual(Array<number>(20).fill(200));
    expect(await statuses(app, 5, { url: '/api/test/read' })).toEqual(Array<number>(5).fill(200));
    const reopening = { url: '/api/session/events', headers: cookie('reopens') };
    expect(await statuses(app, 3, reopening)).toEqual([200, 200, 429]);
  });

  it('never limits health, readiness, metrics, the API document and pages outside /api', async () => {
    const { app } = await build({ ...small, perIp: { perSecond: 1, burst: 1 } });
    for (let i = 0; i < 5; i++) {
      for (const url of ['/healthz', '/readyz', '/metrics', '/api/openapi.json', '/page']) {
        expect((await app.inject({ url })).statusCode, url).toBe(200);
      }
    }
    expect(await statuses(app, 2, { url: '/api/test/read' })).toEqual([200, 429]);
  });

  it('waits for buckets kept elsewhere (the database) before answering', async () => {
    const memory = createMemoryBuckets({ clock: new ManualClock() });
    const remote: TokenBuckets = {
      take: async (takes) => {
        await Promise.resolve();
        return memory.take(takes);
      },
      sweep: () => memory.sweep(),
    };
    const { app: built } = await build(small, remote);
    const read = { url: '/api/test/read', headers: cookie('remote') };
    expect(await statuses(built, 3, read)).toEqual([200, 200, 429]);
  });
});

describe('ipBucketKey', () => {
  it('keys IPv4 by the address', () => {
    expect(ipBucketKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ipBucketKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv6 by its /64, whatever the notation', () => {
    const key = '2001:db8:0:12::/64';
    expect(ipBucketKey('2001:db8:0:12::1')).toBe(key);
    expect(ipBucketKey('2001:0db8:0000:0012:abcd:ef01:2345:6789')).toBe(key);
    expect(ipBucketKey('2001:DB8::12:0:0:0:1')).toBe(key);
    expect(ipBucketKey('2001:db8:0:13::1')).not.toBe(key);
    expect(ipBucketKey('::1')).toBe('0:0:0:0::/64');
    expect(ipBucketKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(ipBucketKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(ipBucketKey('1:2::3:4:5:192.0.2.1')).toBe('1:2:0:3::/64');
  });
});
