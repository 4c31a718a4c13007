/**
 * Who is asking: the `lasso_session` cookie → its SHA-256 → the web session → the account.
 *
 * Policy (server/README.md "Sessions"):
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
 *   answer 401 SESSION_EXPIRED "sign in with Last.fm again". The session row is kept.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
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
import { errors } from '../errors.js';
import { readSessionId, SESSION_IDLE_TIMEOUT_MS } from '../session-cookie.js';

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
}

/** Options of `guestHook`. */
export interface GuestHookOptions {
  /** Refuse a revoked Last.fm key with 401 SESSION_EXPIRED (routes that make the engine send). */
  usableKey?: boolean;
}

// Kept beside the request rather than decorated onto it: no global type augmentation.
const guests = new WeakMap<FastifyRequest, Guest>();

/** Finds and checks the session of a request; throws the 401 the policy above says. */
export async function authenticate(deps: GuestAuthDeps, request: FastifyRequest): Promise<Guest> {
  const sessionId = readSessionId(request);
  if (sessionId === undefined) throw errors.authRequired();
  const sessionHash = hashToken(sessionId);
  const db = deps.db.kysely;
  const session = await findWebSessionByHash(db, sessionHash);
  if (!session) throw errors.authRequired();

  const now = deps.clock.now();
  const idleMs = now - session.last_seen_at.getTime();
  if (idleMs >= SESSION_IDLE_TIMEOUT_MS) {
    await deleteWebSession(db, sessionHash);
    throw errors.sessionExpired();
  }
  const account = await findAccountById(db, session.account_id);
  if (!account || account.key_state === 'disconnected') {
    await deleteWebSession(db, sessionHash);
    throw errors.sessionExpired('Lasso is no longer connected to Last.fm; sign in again');
  }
  if (idleMs >= SESSION_TOUCH_INTERVAL_MS) await touchWebSession(db, sessionHash, new Date(now));
  return {
    accountId: account.id,
    username: account.username,
    keyState: account.key_state,
    sessionHash,
  };
}

/**
 * A route `onRequest` hook that lets only signed-in guests through (before the body is even
 * parsed). Read the guest in the handler with `guestOf(request)`.
 */
export function guestHook(
  deps: GuestAuthDeps,
  options: GuestHookOptions = {},
): onRequestAsyncHookHandler {
  return async (request) => {
    const guest = await authenticate(deps, request);
    if (options.usableKey && guest.keyState !== 'valid') {
      throw errors.sessionExpired(
        'Last.fm no longer accepts Lasso for this account: sign in with Last.fm again',
      );
    }
    guests.set(request, guest);
  };
}

/** The guest `guestHook` let through. Throws AUTH_REQUIRED on a route without the hook (a bug). */
export function guestOf(request: FastifyRequest): Guest {
  const guest = guests.get(request);
  if (!guest) throw errors.authRequired();
  return guest;
}
