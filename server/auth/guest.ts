/**
 * Who is asking: the `lasso_session` cookie → its SHA-256 → the web session → the account.
 *
 * Policy (docs/security.md, "Sessions and sign-in: decisions"):
 * - no cookie, or no session with its hash → 401 AUTH_REQUIRED;
 * - unused for 24 h or more (`SESSION_IDLE_TIMEOUT_MS`, injected clock against `last_seen_at`)
 *   → the row is deleted and 401 SESSION_EXPIRED;
 * - otherwise the session slides, but `last_seen_at` is only written when it is at least
 *   `SESSION_TOUCH_INTERVAL_MS` old: one write a minute per active browser instead of one per
 *   request. A session therefore expires between 24 h − 1 min and 24 h after its last use;
 * - an account whose key was `disconnected` has no sessions left (disconnect deletes them); one
 *   found anyway is deleted → 401 SESSION_EXPIRED;
 * - a `revoked` key (Last.fm error 9) still lets the guest in, so status and history can say why
 *   mirroring stopped; routes that need a working key (start, resume) ask for `usableKey` and
 *   answer 401 SESSION_EXPIRED "sign in with Last.fm again". The session row is kept;
 * - lookups are cached per instance for up to `SESSION_CACHE_TTL_MS` (`session-cache.ts`): the
 *   expiry and touch rules above run on every request against the cached `last_seen_at`, a
 *   cached copy that looks expired is checked against the database, and start/resume always
 *   read the database (a key revoked or a session ended elsewhere is seen at once there).
 *   A request whose cached session needs nothing written (not expired, not due a touch, account
 *   not disconnected) is let through synchronously, without a promise.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { MINUTE_MS } from '../../lib/clock.js';
import type { Clock } from '../../lib/clock.js';
import { findAccountById } from '../../store/accounts.js';
import type { Db } from '../../store/db.js';
import type { KeyState } from '../../store/schema.js';
import {
  deleteWebSession,
  findWebSessionByHash,
  touchWebSession,
} from '../../store/web-sessions.js';
import { hashToken } from '../crypto.js';
import type { SessionCache, SessionEntry } from './session-cache.js';
import { errors } from '../errors.js';
import type { SessionDigest } from '../session-cookie.js';
import { readSessionId, SESSION_IDLE_TIMEOUT_MS, sessionDigest } from '../session-cookie.js';

/** `last_seen_at` is rewritten only when at least this old (sliding expiry without a write per request). */
export const SESSION_TOUCH_INTERVAL_MS = MINUTE_MS;

/** The signed-in guest of a request. */
export interface Guest {
  accountId: number;
  /** As Last.fm spells it. */
  username: string;
  keyState: KeyState;
  /** SHA-256 of this browser's session id (what `web_sessions` is keyed by). */
  sessionHash: Buffer;
}

/** What session checks need. */
export interface GuestAuthDeps {
  db: Db;
  clock: Clock;
  /** This instance's short-lived cache of session lookups. */
  sessionCache: SessionCache;
}

/** Options of `guestHook`. */
export interface GuestHookOptions {
  /** Refuse a revoked Last.fm key with 401 SESSION_EXPIRED (routes that make the engine send). */
  usableKey?: boolean;
}

/** Options of `authenticate`. */
export interface AuthenticateOptions {
  /** Read the database even when the session is cached (and refresh the cache). */
  fresh?: boolean;
}

// Kept beside the request rather than decorated onto it: no global type augmentation.
const guests = new WeakMap<FastifyRequest, Guest>();

/** The session cache's key for a session id: its hash, never the id itself. */
export function sessionCacheKey(sessionId: string): string {
  return hashToken(sessionId).toString('base64url');
}

/** The session and its account as the database has them; an account gone counts as disconnected. */
async function readSession(db: Db, sessionHash: Buffer): Promise<SessionEntry | undefined> {
  const session = await findWebSessionByHash(db.kysely, sessionHash);
  if (!session) return undefined;
  const account = await findAccountById(db.kysely, session.account_id);
  return {
    accountId: session.account_id,
    username: account?.username ?? '',
    keyState: account?.key_state ?? 'disconnected',
    lastSeenAt: session.last_seen_at.getTime(),
  };
}

/**
 * The session of `sessionHash`: from the cache unless `fresh`, or when the cached copy looks
 * idle-expired (another instance may have seen the session since: the database decides).
 */
async function lookUp(
  deps: GuestAuthDeps,
  digest: SessionDigest,
  now: number,
  fresh: boolean,
): Promise<SessionEntry | undefined> {
  const cache = deps.sessionCache;
  const { key } = digest;
  const cached = fresh ? undefined : cache.get(key, now);
  if (cached !== undefined && now - cached.lastSeenAt < SESSION_IDLE_TIMEOUT_MS) {
    return cached;
  }
  // Dropping the entry first also keeps a fresh read from sharing a load already under way.
  if (fresh || cached !== undefined) cache.delete(key);
  return cache.load(key, now, () => readSession(deps.db, digest.hash));
}

/** The guest of a checked session entry; the hash's bytes are decoded only if asked for. */
class SessionGuest implements Guest {
  readonly accountId: number;
  readonly username: string;
  readonly keyState: KeyState;
  readonly #digest: SessionDigest;
  constructor(entry: SessionEntry, digest: SessionDigest) {
    this.accountId = entry.accountId;
    this.username = entry.username;
    this.keyState = entry.keyState;
    this.#digest = digest;
  }
  get sessionHash(): Buffer {
    return this.#digest.hash;
  }
}

/**
 * The guest from the cache alone, when `authenticate` would neither read nor write the
 * database: a cached entry, used less than `SESSION_TOUCH_INTERVAL_MS` ago (so far from idle
 * expiry), of an account not disconnected. Otherwise undefined: `authenticate` decides.
 */
function cachedGuest(deps: GuestAuthDeps, digest: SessionDigest, now: number): Guest | undefined {
  const entry = deps.sessionCache.get(digest.key, now);
  if (entry === undefined || entry.keyState === 'disconnected') return undefined;
  if (now - entry.lastSeenAt >= SESSION_TOUCH_INTERVAL_MS) return undefined;
  return new SessionGuest(entry, digest);
}

/** Finds and checks the session of a request; throws the 401 the policy above says. */
export async function authenticate(
  deps: GuestAuthDeps,
  request: FastifyRequest,
  options: AuthenticateOptions = {},
): Promise<Guest> {
  const digest = readSessionId(request) === undefined ? null : sessionDigest(request);
  if (digest === null) throw errors.authRequired();
  const { key } = digest;
  const db = deps.db.kysely;
  const now = deps.clock.now();
  const entry = await lookUp(deps, digest, now, options.fresh === true);
  if (!entry) throw errors.authRequired();

  const idleMs = now - entry.lastSeenAt;
  if (idleMs >= SESSION_IDLE_TIMEOUT_MS || entry.keyState === 'disconnected') {
    deps.sessionCache.delete(key);
    await deleteWebSession(db, digest.hash);
    throw idleMs >= SESSION_IDLE_TIMEOUT_MS
      ? errors.sessionExpired()
      : errors.sessionExpired('Lasso is no longer connected to Last.fm; sign in again');
  }
  if (idleMs >= SESSION_TOUCH_INTERVAL_MS) {
    // Set first: the other requests of a burst share this entry and need not write too.
    entry.lastSeenAt = now;
    if (!(await touchWebSession(db, digest.hash, new Date(now)))) {
      // Deleted meanwhile (signed out elsewhere).
      deps.sessionCache.delete(key);
      throw errors.authRequired();
    }
  }
  return new SessionGuest(entry, digest);
}

/** A hook that either calls `done` or returns a promise, which Fastify then waits for. */
export type DoneOrPromiseHook = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => Promise<void> | undefined;

/**
 * A route `onRequest` hook that lets only signed-in guests through (before the body is even
 * parsed). Read the guest in the handler with `guestOf(request)`. A session found in the cache
 * with nothing to write passes at once (`done()`); anything else returns the promise of the
 * full check, which Fastify (and the in-flight count) wait for.
 */
export function guestHook(deps: GuestAuthDeps, options: GuestHookOptions = {}): DoneOrPromiseHook {
  // The key's state is read afresh where it matters: these routes make the engine send.
  const fresh = options.usableKey === true;
  const check = async (request: FastifyRequest): Promise<void> => {
    const guest = await authenticate(deps, request, { fresh });
    if (options.usableKey && guest.keyState !== 'valid') {
      throw errors.sessionExpired(
        'Last.fm no longer accepts Lasso for this account: sign in with Last.fm again',
      );
    }
    guests.set(request, guest);
  };
  // Not `async`: Fastify takes either `done()` or a returned promise from a hook (its types
  // declare hooks that return void); the in-flight count waits for a returned promise.
  return (request, _reply, done) => {
    if (!fresh && readSessionId(request) !== undefined) {
      const digest = sessionDigest(request);
      const guest = digest && cachedGuest(deps, digest, deps.clock.now());
      if (guest) {
        guests.set(request, guest);
        done();
        return undefined;
      }
    }
    return check(request);
  };
}

/** The guest `guestHook` let through. Throws AUTH_REQUIRED on a route without the hook (a bug). */
export function guestOf(request: FastifyRequest): Guest {
  const guest = guests.get(request);
  if (!guest) throw errors.authRequired();
  return guest;
}
