/**
 * The two cookies Lasso sets. The session cookie holds a random 256-bit id (the database keeps
 * only its SHA-256); the auth-state cookie binds a sign-in's one-time `state` to this browser.
 *
 * Expiry: the 24 h idle limit is enforced by the server (it slides on use), not by the cookie.
 * The cookie itself lives 30 days so a phone that closed its browser still presents it; an
 * idle-expired id is then refused with SESSION_EXPIRED and the user signs in again.
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../lib/clock.js';
import type { Config } from './config.js';
import { hashTokenText } from './crypto.js';

/** The session cookie's name outside production (plain http on localhost). */
export const COOKIE_NAME = 'lasso_session';

/**
 * The session cookie's name in production. Browsers accept a `__Host-` cookie only when it is
 * Secure, has Path=/ and no Domain, so a sibling subdomain (or a man in the middle on plain http)
 * can neither plant one for Lasso's host nor overwrite ours: session fixation is off the table.
 */
export const HOST_COOKIE_NAME = '__Host-lasso_session';

declare module 'fastify' {
  interface FastifyInstance {
    /** The session cookie's name for this app (`useSessionCookie`). */
    lassoSessionCookie?: string;
  }
}

/** The sign-in state cookie's name outside production. */
export const AUTH_STATE_COOKIE = 'lasso_auth_state';

/**
 * The sign-in state cookie's name in production. With the `__Host-` prefix no sibling subdomain
 * can plant a state of its own choosing in the browser (which would let it finish a sign-in it
 * started, into its own account: login CSRF). The prefix requires Path=/.
 */
export const HOST_AUTH_STATE_COOKIE = '__Host-lasso_auth_state';

/** A session unused this long is over (enforced server-side, sliding). */
export const SESSION_IDLE_TIMEOUT_MS = 24 * HOUR_MS;

/** How long the browser keeps the session cookie (longer than the idle limit on purpose). */
export const SESSION_COOKIE_MAX_AGE_MS = 30 * DAY_MS;

/** How long a sign-in may take between /api/auth/init and the callback. */
export const AUTH_STATE_MAX_AGE_MS = 10 * MINUTE_MS;

type CookieConfig = Pick<Config, 'environment'>;

/** The session cookie's name: `__Host-lasso_session` in production, `lasso_session` elsewhere. */
export function sessionCookieName(config: CookieConfig): string {
  return config.environment === 'production' ? HOST_COOKIE_NAME : COOKIE_NAME;
}

/**
 * Tells the request helpers below which name the app's session cookie has (`buildApp` calls it).
 * Child contexts see it too: Fastify decorations are inherited.
 */
export function useSessionCookie(app: FastifyInstance, config: CookieConfig): void {
  app.decorate('lassoSessionCookie', sessionCookieName(config));
}

/** The name to read: the app's, or the development name in an app not built by `buildApp`. */
function cookieNameOf(request: FastifyRequest): string {
  return request.server.lassoSessionCookie ?? COOKIE_NAME;
}

/**
 * Options for setting the session cookie: HttpOnly, SameSite=Lax, Path=/ and no Domain; Secure in
 * production (required by its `__Host-` name there).
 */
export function sessionCookieOptions(config: CookieConfig): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.environment === 'production',
    maxAge: SESSION_COOKIE_MAX_AGE_MS / 1000,
  };
}

/** The auth-state cookie's name: `__Host-lasso_auth_state` in production. */
export function authStateCookieName(config: CookieConfig): string {
  return config.environment === 'production' ? HOST_AUTH_STATE_COOKIE : AUTH_STATE_COOKIE;
}

/**
 * Options for the auth-state cookie, gone after 10 minutes. SameSite=Lax still sends it on the
 * top-level GET navigation back from Last.fm. In production it is Secure with Path=/ (its
 * `__Host-` name requires both); elsewhere it is only sent to /api/auth.
 */
export function authStateCookieOptions(config: CookieConfig): CookieSerializeOptions {
  const production = config.environment === 'production';
  return {
    httpOnly: true,
    sameSite: 'lax',
    path: production ? '/' : '/api/auth',
    secure: production,
    maxAge: AUTH_STATE_MAX_AGE_MS / 1000,
  };
}

/** Options that clear a cookie set with `options` (same path, expired). */
export function clearedCookieOptions(options: CookieSerializeOptions): CookieSerializeOptions {
  return { ...options, maxAge: 0, expires: new Date(0) };
}

/** The session id the browser sent, if it looks like one of ours (43 base64url characters). */
export function readSessionId(request: FastifyRequest): string | undefined {
  const value = request.cookies[cookieNameOf(request)];
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

/** The session cookie's SHA-256 (what `web_sessions` is keyed by) and its base64url text. */
export interface SessionDigest {
  /** The hash as bytes (database lookups); made from `key` when first asked for. */
  readonly hash: Buffer;
  /** `hash` as base64url: the key of in-memory maps (rate limits, session cache). */
  readonly key: string;
}

/**
 * A digest kept as text: most requests only need the key (the rate limits' and the session
 * cache's), so the bytes are decoded only for a database read or write.
 */
class TextDigest implements SessionDigest {
  #hash: Buffer | undefined;
  constructor(readonly key: string) {}
  get hash(): Buffer {
    this.#hash ??= Buffer.from(this.key, 'base64url');
    return this.#hash;
  }
}

const digests = new WeakMap<FastifyRequest, SessionDigest | null>();

/**
 * The digest of the session cookie as sent (well-formed or not), or null without one. Hashed
 * once per request: the rate limits and the session lookup all need it.
 */
export function sessionDigest(request: FastifyRequest): SessionDigest | null {
  let digest = digests.get(request);
  if (digest === undefined) {
    const value = request.cookies[cookieNameOf(request)];
    digest = value ? new TextDigest(hashTokenText(value)) : null;
    digests.set(request, digest);
  }
  return digest;
}
