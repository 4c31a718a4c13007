/**
 * Sign-in, sign-out, disconnect and "who am I":
 * POST /api/auth/init, GET /api/auth/callback, POST /api/auth/logout,
 * POST /api/auth/disconnect, GET /api/me.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SignInError } from '../../contract/index.js';
import {
  AuthCallbackQuery,
  AuthInitRequest,
  AuthInitResponse,
  DisconnectResponse,
  MeResponse,
  ReturnTo,
  SuccessResponse,
} from '../../contract/index.js';
import { deleteWebSession } from '../../store/web-sessions.js';
import { guestHook, guestOf, sessionCacheKey } from '../auth/guest.js';
import { beginSignIn, completeSignIn, consumeState, SignInFailure } from '../auth/sign-in.js';
import { hashToken, safeEqual } from '../crypto.js';
import type { ApiDeps, RouteDeps, RouteModule } from '../deps.js';
import { loopbackOrigin, onOrigin } from '../origins.js';
import {
  authStateCookieName,
  authStateCookieOptions,
  clearedCookieOptions,
  readSessionId,
  sessionCookieName,
  sessionCookieOptions,
} from '../session-cookie.js';

const success = { success: true } as const;

/** Where the browser goes after the callback: a path of this app, `/` when none or odd. */
function landing(returnTo: string | null): string {
  // Checked again, though init validated it: the row outlives code changes.
  return returnTo !== null && ReturnTo.safeParse(returnTo).success ? returnTo : '/';
}

/** Where a successful callback sends the browser, with the new session for the cookie. */
interface CallbackOutcome {
  location: string;
  sessionId: string;
}

/**
 * Runs the callback. Every failure is a SignInFailure or (unexpected) anything else, which the
 * route turns into `/?error=CODE`.
 */
async function runCallback(
  deps: RouteDeps<ApiDeps>,
  request: FastifyRequest,
): Promise<CallbackOutcome> {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  if (typeof raw.state !== 'string' || raw.state === '') {
    throw new SignInFailure('STATE_MISMATCH', 'callback without state');
  }
  const query = AuthCallbackQuery.safeParse(raw);
  if (!query.success) {
    const stateOk = AuthCallbackQuery.shape.state.safeParse(raw.state).success;
    throw new SignInFailure(stateOk ? 'AUTH_FAILED' : 'STATE_MISMATCH', 'malformed callback');
  }
  const { state, token } = query.data;
  // Bound to this browser: a callback URL replayed from another browser has no such cookie.
  const cookieState = request.cookies[authStateCookieName(deps.config)];
  if (cookieState === undefined || !safeEqual(cookieState, state)) {
    throw new SignInFailure('STATE_MISMATCH', 'state cookie missing or different');
  }
  const { returnTo } = await consumeState(deps, state);
  const previousSessionId = readSessionId(request);
  const signedIn = await completeSignIn(deps, token, previousSessionId);
  // The browser's old session ended, and the account's key and name may have changed.
  if (previousSessionId !== undefined) deps.sessionCache.delete(sessionCacheKey(previousSessionId));
  deps.sessionCache.deleteAccount(signedIn.accountId);
  request.log.info({ accountId: signedIn.accountId }, 'signed in');
  try {
    await deps.engine.accountReauthorized(signedIn.accountId);
  } catch (err) {
    // The sign-in itself succeeded; held rows wait until the engine next looks at them.
    request.log.error({ err, accountId: signedIn.accountId }, 'accountReauthorized failed');
  } finally {
    deps.statusCache.invalidate(signedIn.accountId);
  }
  return { location: landing(returnTo), sessionId: signedIn.sessionId };
}

/** Logs a failed callback at the level it deserves and names the redirect code. */
function failureCode(request: FastifyRequest, err: unknown): SignInError {
  if (err instanceof SignInFailure) {
    request.log.warn({ code: err.code, err: err.cause }, `sign-in failed: ${err.message}`);
    return err.code;
  }
  request.log.error({ err }, 'sign-in failed');
  return 'INTERNAL_ERROR';
}

function clearSessionCookie(deps: RouteDeps<ApiDeps>, reply: FastifyReply): void {
  reply.clearCookie(
    sessionCookieName(deps.config),
    clearedCookieOptions(sessionCookieOptions(deps.config)),
  );
}

/** The sign-in routes. */
export const authRoutes: RouteModule<ApiDeps> = (app, deps) => {
  const stateCookie = authStateCookieOptions(deps.config);
  const stateCookieName = authStateCookieName(deps.config);
  const requireGuest = guestHook(deps);
  const addressed = loopbackOrigin(deps.config);
  const { callbackUrl } = deps.config.lastfm;

  app.post(
    '/api/auth/init',
    {
      schema: {
        tags: ['auth'],
        // No body (null to Fastify), an empty JSON body or `{}`: no return_to.
        body: AuthInitRequest.nullish(),
        response: { 200: AuthInitResponse },
      },
    },
    async (request, reply) => {
      const returnTo = request.body?.return_to ?? null;
      // In development, come back on the loopback name the browser used: the state cookie set
      // now lives on that name only. Production: always OAUTH_CALLBACK_URL.
      const browserOrigin = addressed(request);
      const cb = browserOrigin === null ? callbackUrl : onOrigin(callbackUrl, browserOrigin);
      const { state, authUrl } = await beginSignIn(deps, cb, returnTo);
      reply.setCookie(stateCookieName, state, stateCookie);
      return { auth_url: authUrl };
    },
  );

  // A browser navigation back from Last.fm: every outcome is a 303, never JSON, never a 500.
  app.get('/api/auth/callback', { schema: { tags: ['auth'] } }, async (request, reply) => {
    reply.clearCookie(stateCookieName, clearedCookieOptions(stateCookie));
    let outcome: CallbackOutcome;
    try {
      outcome = await runCallback(deps, request);
    } catch (err) {
      return reply.redirect(`/?error=${failureCode(request, err)}`, 303);
    }
    reply.setCookie(
      sessionCookieName(deps.config),
      outcome.sessionId,
      sessionCookieOptions(deps.config),
    );
    return reply.redirect(outcome.location, 303);
  });

  // Ends this browser's session only; a running follow goes on. Signed out already is fine.
  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], response: { 200: SuccessResponse } } },
    async (request, reply) => {
      const sessionId = readSessionId(request);
      if (sessionId !== undefined) {
        await deleteWebSession(deps.db.kysely, hashToken(sessionId));
        // After the delete: a lookup racing with it must not put the session back.
        deps.sessionCache.delete(sessionCacheKey(sessionId));
      }
      clearSessionCookie(deps, reply);
      return success;
    },
  );

  // Erases the guest: the engine deletes the account and everything that hangs off it (key,
  // sessions, follows, scrobbles, events). If it fails nothing is gone, and the guest may retry.
  app.post(
    '/api/auth/disconnect',
    {
      onRequest: requireGuest,
      schema: { tags: ['auth'], response: { 200: DisconnectResponse } },
    },
    async (request, reply) => {
      const guest = guestOf(request);
      let dropped: number;
      try {
        ({ dropped } = await deps.engine.accountDisconnected(guest.accountId));
      } finally {
        deps.statusCache.invalidate(guest.accountId);
      }
      // After the delete: a lookup racing with it must not put a session back.
      deps.sessionCache.deleteAccount(guest.accountId);
      request.log.info({ accountId: guest.accountId, dropped }, 'disconnected');
      clearSessionCookie(deps, reply);
      return { success: true as const, dropped };
    },
  );

  app.get(
    '/api/me',
    { onRequest: requireGuest, schema: { tags: ['auth'], response: { 200: MeResponse } } },
    async (request) => ({ username: guestOf(request).username, demo: deps.config.demo }),
  );
};
