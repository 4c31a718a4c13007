/**
 * Random inputs on every API route never make a 5xx: random JSON and non-JSON bodies, query
 * strings, path parameters, cookies and headers (Last-Event-ID). ~100 cases per route.
 */
import http from 'node:http';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorBody } from '../../contract/index.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { AUTH_STATE_COOKIE, COOKIE_NAME } from '../session-cookie.js';
import type { ApiTestApp, SignedInGuest } from '../test-support/api.js';
import { buildApiTestApp, signIn } from '../test-support/api.js';
import { TEST_ORIGIN } from '../test-support/app.js';

const RUNS = { numRuns: 100 };

/** Printable ASCII: what can travel in a header value. */
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

/** Names and ids of the shapes the routes accept, so many cases get past validation. */
const wellFormed = fc.oneof(
  fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-'),
    minLength: 1,
    maxLength: 64,
    size: 'medium',
  }),
  fc.nat().map(String),
  fc.constantFrom('rj_plays', 'hidden', 'RJ_PLAYS', 'x'.repeat(64)),
);

/** Values that look like what a client might send, and garbage. */
const text = fc.oneof(
  { arbitrary: wellFormed, weight: 3 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  { arbitrary: headerText, weight: 1 },
  {
    arbitrary: fc.constantFrom('', '0', '-1', '1e999', 'NaN', '__proto__', '../..', '%00'),
    weight: 1,
  },
  { arbitrary: fc.integer().map(String), weight: 1 },
);

const goodQuery = fc.record(
  {
    target_username: wellFormed,
    since: fc.nat().map(String),
    page: fc.integer({ min: 1, max: 5 }).map(String),
    per_page: fc.integer({ min: 1, max: 200 }).map(String),
    last_event_id: fc.nat().map(String),
  },
  { requiredKeys: [] },
);

const anyQuery = fc
  .dictionary(
    fc.constantFrom(
      'target_username',
      'since',
      'page',
      'per_page',
      'last_event_id',
      'token',
      'state',
      'x',
    ),
    text,
    { maxKeys: 4 },
  )
  .map((q) => new URLSearchParams(q).toString());

const queryString = mostly(
  goodQuery.map((q) => new URLSearchParams(q).toString()),
  anyQuery,
);

/** A request body: JSON of any shape, a plausible start body, or bytes that are not JSON. */
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  {
    arbitrary: fc
      .record(
        { target_username: wellFormed, mirror_now_playing: fc.boolean(), catch_up_since: fc.nat() },
        { requiredKeys: ['target_username'] },
      )
      .map((v) => JSON.stringify(v)),
    weight: 3,
  },
  fc
    .record(
      {
        target_username: fc.oneof(text, fc.jsonValue()),
        mirror_now_playing: fc.jsonValue(),
        catch_up_since: fc.oneof(fc.integer(), fc.double(), text),
        return_to: fc.oneof(text, fc.constantFrom('/j/x', '//evil', '/\\x', 'https://e.x')),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
);

/** Mostly right (so most cases reach the handler), sometimes not. */
function mostly<T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: good, weight: 5 }, { arbitrary: bad, weight: 1 });
}

const contentType = mostly(
  fc.constantFrom('application/json', 'application/json; charset=utf-8'),
  fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined),
);

/** Whose cookie the request carries: the signed-in guest's, random ones, or none. */
const cookieChoice = mostly<'guest' | 'none' | Record<string, string>>(
  fc.constant('guest'),
  fc.oneof(
    fc.constant('none'),
    headerText.map((value) => ({ [COOKIE_NAME]: value, [AUTH_STATE_COOKIE]: value })),
  ),
);

interface RouteCase {
  /** The route as Fastify names it. */
  name: string;
  method: 'GET' | 'POST';
  /** Path, maybe with a random segment. */
  path: fc.Arbitrary<string>;
  /** Each case signs a new guest in (for routes that end the session). */
  fresh?: boolean;
}

const segment = mostly(wellFormed, fc.oneof(text, fc.string({ maxLength: 70 }))).map(
  encodeURIComponent,
);

const ROUTES: RouteCase[] = [
  { name: '/api/auth/init', method: 'POST', path: fc.constant('/api/auth/init') },
  { name: '/api/auth/callback', method: 'GET', path: fc.constant('/api/auth/callback') },
  { name: '/api/auth/logout', method: 'POST', path: fc.constant('/api/auth/logout'), fresh: true },
  {
    name: '/api/auth/disconnect',
    method: 'POST',
    path: fc.constant('/api/auth/disconnect'),
    fresh: true,
  },
  { name: '/api/me', method: 'GET', path: fc.constant('/api/me') },
  { name: '/api/session/start', method: 'POST', path: fc.constant('/api/session/start') },
  { name: '/api/session/catch-up', method: 'GET', path: fc.constant('/api/session/catch-up') },
  { name: '/api/session/pause', method: 'POST', path: fc.constant('/api/session/pause') },
  { name: '/api/session/resume', method: 'POST', path: fc.constant('/api/session/resume') },
  { name: '/api/session/stop', method: 'POST', path: fc.constant('/api/session/stop') },
  { name: '/api/session/status', method: 'GET', path: fc.constant('/api/session/status') },
  { name: '/api/session/history', method: 'GET', path: fc.constant('/api/session/history') },
  {
    name: '/api/session/history/:id',
    method: 'GET',
    path: segment.map((id) => `/api/session/history/${id}`),
  },
  {
    name: '/api/invite/:username/qr.svg',
    method: 'GET',
    path: segment.map((name) => `/api/invite/${name}/qr.svg`),
  },
];

describeEachDatabase('fuzzing the API', (ctx) => {
  let t: ApiTestApp;
  let guest: SignedInGuest;
  beforeAll(async () => {
    t = await buildApiTestApp(ctx.db);
    guest = await signIn(t, uniqueName('Maya'));
    t.engine.addHost('rj_plays');
    t.engine.addHost('hidden', 'private');
  });
  afterAll(async () => {
    await t.app.close();
  });

  const input = fc.record({
    query: queryString,
    body: fc.option(body, { nil: undefined }),
    contentType,
    cookies: cookieChoice,
    lastEventId: fc.option(headerText, { nil: undefined }),
    origin: mostly(fc.constant(TEST_ORIGIN), fc.constantFrom('https://evil.example', undefined)),
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.name}${route.fresh ? ' (fresh session each case)' : ''} never answers 5xx`, async () => {
      await fc.assert(
        fc.asyncProperty(route.path, input, async (path, i) => {
          const who = route.fresh ? await signIn(t, uniqueName('Fresh')) : guest;
          const headers: Record<string, string> = {};
          if (i.contentType) headers['content-type'] = i.contentType;
          if (i.origin) headers.origin = i.origin;
          if (i.lastEventId !== undefined) headers['last-event-id'] = i.lastEventId;
          const options: InjectOptions = {
            method: route.method,
            url: i.query ? `${path}?${i.query}` : path,
            headers,
            cookies: i.cookies === 'guest' ? who.cookies : i.cookies === 'none' ? {} : i.cookies,
            ...(i.body === undefined || route.method === 'GET' ? {} : { payload: i.body }),
          };
          const res = await t.app.inject(options);
          expect(res.statusCode, JSON.stringify(options)).toBeLessThan(500);
          if (res.statusCode >= 400) ErrorBody.parse(res.json());
          if (path === '/api/auth/callback') expect(res.statusCode).toBe(303);
        }),
        RUNS,
      );
    });
  }

  it('GET /api/session/events never answers 5xx (over a real socket: a good request streams)', async () => {
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await fc.assert(
        fc.asyncProperty(
          queryString,
          cookieChoice,
          fc.option(headerText, { nil: undefined }),
          async (query, cookies, lastEventId) => {
            const jar = cookies === 'guest' ? guest.cookies : cookies === 'none' ? {} : cookies;
            const cookie = Object.entries(jar)
              .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
              .join('; ');
            const status = await new Promise<number>((resolve, reject) => {
              const req = http.get(`${base}/api/session/events?${query}`, {
                agent: false,
                headers: {
                  ...(cookie ? { cookie } : {}),
                  ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
                },
              });
              req.on('response', (res) => {
                resolve(res.statusCode ?? 0);
                req.destroy();
              });
              req.on('error', reject);
            });
            expect(status).toBeLessThan(500);
          },
        ),
        RUNS,
      );
    } finally {
      await t.app.close();
    }
  });
});
