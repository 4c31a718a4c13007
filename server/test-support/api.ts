/**
 * Helpers for API route tests: an app with every API route over a real test database, the fake
 * engine, the real Last.fm client's `authUrl` with a scripted `getSession`, a ManualClock and
 * captured logs; and a sign-in that walks the real init → callback flow.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { createLastfmClient } from '../../lastfm/client.js';
import { LastfmError } from '../../lastfm/errors.js';
import type { LastfmApi, SessionInfo } from '../../lastfm/types.js';
import { ManualClock } from '../../lib/clock.js';
import type { Db } from '../../store/db.js';
import type { Config } from '../config.js';
import { createKeyBox } from '../crypto.js';
import type { ApiDeps, ZodApp } from '../deps.js';
import { apiRoutes } from '../routes/index.js';
import { AUTH_STATE_COOKIE, COOKIE_NAME } from '../session-cookie.js';
import { buildTestApp, sameOrigin, testConfig, TEST_ORIGIN } from './app.js';
import { FakeEngine } from './fake-engine.js';

/** The Last.fm API key of test apps (appears in auth URLs). */
export const TEST_API_KEY = 'b25b959554ed76058ac220b7b2e0a026';

/** Limits no test reaches (fuzzing sends hundreds of requests). */
const UNLIMITED = {
  perIp: { perSecond: 1_000_000, burst: 1_000_000 },
  perSession: { perSecond: 1_000_000, burst: 1_000_000 },
  signIn: { perSecond: 1_000_000, burst: 1_000_000 },
};

/** `getSession` scripted per token; everything else is the real client (never called here). */
export class FakeLastfmSessions {
  private readonly answers = new Map<string, SessionInfo | LastfmError>();

  /** A fresh token that Last.fm will exchange for `username` and a fresh session key. */
  tokenFor(username: string): { token: string; sessionKey: string } {
    const token = randomBytes(24).toString('base64url');
    const sessionKey = randomBytes(24).toString('base64url');
    this.answers.set(token, { name: username, key: sessionKey, subscriber: false });
    return { token, sessionKey };
  }

  /** A token whose exchange fails with `error`. */
  failingToken(error: LastfmError): string {
    const token = randomBytes(24).toString('base64url');
    this.answers.set(token, error);
    return token;
  }

  /** The Last.fm client for `config`, with this `getSession`. */
  client(config: Config): LastfmApi {
    const real = createLastfmClient({
      apiKey: TEST_API_KEY,
      apiSecret: 'test-secret',
      apiUrl: 'http://127.0.0.1:9/2.0/',
      authUrl: config.lastfm.authUrl,
      rateLimiter: { acquire: async () => undefined },
    });
    return {
      ...real,
      getSession: async (token) => {
        const answer = this.answers.get(token);
        // Tokens are single use at Last.fm too.
        this.answers.delete(token);
        if (answer === undefined) {
          throw new LastfmError('fatal', 4, 'Invalid authentication token supplied', 403);
        }
        if (answer instanceof LastfmError) throw answer;
        return answer;
      },
    };
  }
}

/** A test app with every API route. */
export interface ApiTestApp {
  app: ZodApp;
  deps: ApiDeps;
  clock: ManualClock;
  engine: FakeEngine;
  lastfm: FakeLastfmSessions;
  logs: Awaited<ReturnType<typeof buildTestApp>>['logs'];
}

/** Builds the app over `db`. Close it with `app.close()`. */
export async function buildApiTestApp(
  db: Db,
  overrides: Partial<ApiDeps> = {},
): Promise<ApiTestApp> {
  const config = overrides.config ?? testConfig();
  const clock = new ManualClock();
  const engine = new FakeEngine(clock, db);
  const lastfm = new FakeLastfmSessions();
  const built = await buildTestApp({
    config,
    clock,
    db,
    engine,
    keyBox: createKeyBox(config.sessionSecret),
    lastfm: lastfm.client(config),
    routes: apiRoutes,
    rateLimits: UNLIMITED,
    ...overrides,
  });
  return { ...built, clock, engine, lastfm };
}

/** The value of cookie `name` set by a response, if any (last one wins). */
export function setCookie(res: LightMyRequestResponse, name: string): string | undefined {
  return res.cookies.filter((c) => c.name === name).at(-1)?.value;
}

/** The raw Set-Cookie header for `name`, to check its attributes. */
export function setCookieHeader(res: LightMyRequestResponse, name: string): string | undefined {
  const raw = res.headers['set-cookie'];
  const all = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return all.find((h) => h.startsWith(`${name}=`));
}

/** POST /api/auth/init; returns the state (from the cookie) and the answer. */
export async function initSignIn(
  app: ZodApp,
  body?: object,
): Promise<{ state: string; res: LightMyRequestResponse }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/init',
    headers: body === undefined ? { origin: TEST_ORIGIN } : sameOrigin(),
    ...(body === undefined ? {} : { payload: body }),
  });
  const state = setCookie(res, AUTH_STATE_COOKIE);
  if (res.statusCode !== 200 || state === undefined) throw new Error(`init failed: ${res.body}`);
  return { state, res };
}

/** GET /api/auth/callback as the browser would come back from Last.fm. */
export async function callback(
  app: ZodApp,
  query: Record<string, string>,
  cookies: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/api/auth/callback', query, cookies });
}

/** A signed-in guest: the session cookie value, the Last.fm session key behind it. */
export interface SignedInGuest {
  username: string;
  sessionId: string;
  sessionKey: string;
  cookies: Record<string, string>;
}

/** Signs `username` in through init and callback. */
export async function signIn(t: ApiTestApp, username: string): Promise<SignedInGuest> {
  const { state } = await initSignIn(t.app);
  const { token, sessionKey } = t.lastfm.tokenFor(username);
  const res = await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state });
  const sessionId = setCookie(res, COOKIE_NAME);
  if (res.statusCode !== 303 || sessionId === undefined) {
    throw new Error(`sign-in failed: ${res.statusCode} ${String(res.headers.location)}`);
  }
  return { username, sessionId, sessionKey, cookies: { [COOKIE_NAME]: sessionId } };
}

/** `inject` options for a same-origin POST by `guest` (no body unless given). */
export function postAs(
  guest: Pick<SignedInGuest, 'cookies'> | null,
  url: string,
  payload?: object,
) {
  return {
    method: 'POST' as const,
    url,
    headers: payload === undefined ? { origin: TEST_ORIGIN } : sameOrigin(),
    cookies: guest?.cookies ?? {},
    ...(payload === undefined ? {} : { payload }),
  };
}

/** `inject` options for a GET by `guest`. */
export function getAs(
  guest: Pick<SignedInGuest, 'cookies'> | null,
  url: string,
  query?: Record<string, string>,
) {
  return {
    method: 'GET' as const,
    url,
    cookies: guest?.cookies ?? {},
    ...(query === undefined ? {} : { query }),
  };
}
