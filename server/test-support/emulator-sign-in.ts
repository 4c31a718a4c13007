/**
 * Sign-in as a browser does it, against the Last.fm emulator: POST /api/auth/init on the app
 * (inject), the emulator's consent page over a real socket ("Allow access" for `user`), then the
 * app's callback (inject) with the state cookie. For tests that run the app with the real client.
 */
import { allowOnConsentPage } from '../../test/integration/browser.js';
import type { ZodApp } from '../deps.js';
import { AUTH_STATE_COOKIE, COOKIE_NAME } from '../session-cookie.js';
import { setCookie } from './api.js';
import { TEST_ORIGIN } from './app.js';

/** A browser signed in through the emulator, and the one-time token it carried. */
export interface EmulatorSignIn {
  sessionId: string;
  cookies: Record<string, string>;
  token: string;
}

/** Signs `user` in to `app`, whose Last.fm client points at an emulator. */
export async function signInThroughEmulator(app: ZodApp, user: string): Promise<EmulatorSignIn> {
  const init = await app.inject({
    method: 'POST',
    url: '/api/auth/init',
    headers: { origin: TEST_ORIGIN },
  });
  const state = setCookie(init, AUTH_STATE_COOKIE);
  if (init.statusCode !== 200 || state === undefined) throw new Error(`init: ${init.body}`);
  const authUrl = init.json<{ auth_url: string }>().auth_url;
  const allow = await allowOnConsentPage(authUrl, user);
  const location = allow.headers.get('location');
  if (allow.status !== 303 || location === null) throw new Error(`consent: ${allow.status}`);
  const back = new URL(location);
  const landed = await app.inject({
    method: 'GET',
    url: back.pathname + back.search,
    cookies: { [AUTH_STATE_COOKIE]: state },
  });
  const sessionId = setCookie(landed, COOKIE_NAME);
  if (landed.statusCode !== 303 || sessionId === undefined) {
    throw new Error(`callback: ${landed.statusCode} ${String(landed.headers.location)}`);
  }
  return {
    sessionId,
    cookies: { [COOKIE_NAME]: sessionId },
    token: back.searchParams.get('token') ?? '',
  };
}
