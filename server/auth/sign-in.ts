/**
 * Sign-in with Last.fm web authentication, in two steps:
 * 1. `beginSignIn`: a one-time `state` (256 random bits; the store keeps its SHA-256 and where to
 *    return), and the consent URL whose `cb` carries it. The route also puts it in a cookie.
 * 2. `completeSignIn`: at the callback, after the route compared cookie and query, the state is
 *    consumed, Last.fm's token is exchanged for a session key, and the account, its sealed key
 *    and a fresh web session are written in one transaction.
 * Failures are `SignInFailure`s with the code the browser is redirected with (`/?error=CODE`).
 */
import type { SignInError } from '../../contract/index.js';
import { Username } from '../../contract/index.js';
import { LastfmError } from '../../lastfm/errors.js';
import type { LastfmApi, SessionInfo } from '../../lastfm/types.js';
import type { Clock } from '../../lib/clock.js';
import { setSessionKey, upsertAccount } from '../../store/accounts.js';
import { consumeAuthState, createAuthState } from '../../store/auth-states.js';
import type { Db } from '../../store/db.js';
import { createWebSession, deleteWebSession } from '../../store/web-sessions.js';
import type { KeyBox } from '../crypto.js';
import { hashToken, newRandomToken, newSessionId } from '../crypto.js';
import { AUTH_STATE_MAX_AGE_MS } from '../session-cookie.js';
import { sealSessionKey } from './keys.js';

/** A sign-in that cannot go on; `code` goes into `/?error=CODE`. `cause` is for the log only. */
export class SignInFailure extends Error {
  override readonly name = 'SignInFailure';

  constructor(
    readonly code: SignInError,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** What sign-in needs. */
export interface SignInDeps {
  db: Db;
  clock: Clock;
  lastfm: LastfmApi;
  keyBox: KeyBox;
}

/** `callbackUrl` with `state` added to its query (Last.fm then appends `&token=…`). */
export function callbackWithState(callbackUrl: string, state: string): string {
  const url = new URL(callbackUrl);
  url.searchParams.set('state', state);
  return url.toString();
}

/** Stores a new sign-in state; returns it and the Last.fm consent URL to send the browser to. */
export async function beginSignIn(
  deps: Omit<SignInDeps, 'keyBox'>,
  callbackUrl: string,
  returnTo: string | null,
): Promise<{ state: string; authUrl: string }> {
  const state = newRandomToken(32);
  const now = deps.clock.now();
  await createAuthState(deps.db.kysely, {
    stateHash: hashToken(state),
    returnTo,
    now: new Date(now),
    expiresAt: new Date(now + AUTH_STATE_MAX_AGE_MS),
  });
  return { state, authUrl: deps.lastfm.authUrl(callbackWithState(callbackUrl, state)) };
}

/** Uses up `state`: where to return afterwards, or STATE_EXPIRED if it was used or is too old. */
export async function consumeState(
  deps: Pick<SignInDeps, 'db' | 'clock'>,
  state: string,
): Promise<{ returnTo: string | null }> {
  const found = await consumeAuthState(
    deps.db.kysely,
    hashToken(state),
    new Date(deps.clock.now()),
  );
  if (!found) throw new SignInFailure('STATE_EXPIRED', 'sign-in state unknown, used or expired');
  return found;
}

/** Asks Last.fm for the session key of `token`. */
async function exchangeToken(lastfm: LastfmApi, token: string): Promise<SessionInfo> {
  let info: SessionInfo;
  try {
    info = await lastfm.getSession(token);
  } catch (err) {
    if (!(err instanceof LastfmError)) throw err;
    // A refused token (4 invalid, 14 not authorized, 15 expired) is the user's to retry now;
    // an unreachable or rate-limiting Last.fm is not.
    const code = err.retryable ? 'LASTFM_ERROR' : 'AUTH_FAILED';
    throw new SignInFailure(code, 'auth.getSession failed', err);
  }
  // A name the API contract cannot carry would make every later /api/me fail: refuse it now.
  if (!Username.safeParse(info.name).success || info.key === '') {
    throw new SignInFailure('AUTH_FAILED', 'auth.getSession answered an unusable session');
  }
  return info;
}

/** The result of a sign-in: the new session id for the cookie and whose it is. */
export interface SignedIn {
  sessionId: string;
  accountId: number;
  username: string;
}

/**
 * Exchanges `token` and writes, in one transaction: the account (created, or updated with the
 * new spelling and key, marked valid again), its sealed key, and a new web session. The key is
 * sealed with the account id as context, which exists only after the upsert: the row is upserted
 * with an empty placeholder and updated with the sealed key before commit, so no one ever sees
 * the placeholder. The browser's previous session, if any, ends.
 */
export async function completeSignIn(
  deps: SignInDeps,
  token: string,
  previousSessionId?: string,
): Promise<SignedIn> {
  const info = await exchangeToken(deps.lastfm, token);
  const sessionId = newSessionId();
  const now = new Date(deps.clock.now());
  const accountId = await deps.db.transaction(async (trx) => {
    const account = await upsertAccount(trx, {
      username: info.name,
      sessionKeyEnc: Buffer.alloc(0),
      now,
    });
    await setSessionKey(trx, account.id, sealSessionKey(deps.keyBox, account.id, info.key));
    if (previousSessionId !== undefined) {
      await deleteWebSession(trx, hashToken(previousSessionId));
    }
    await createWebSession(trx, { idHash: hashToken(sessionId), accountId: account.id, now });
    return account.id;
  });
  return { sessionId, accountId, username: info.name };
}
