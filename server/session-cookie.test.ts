import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { newSessionId } from './crypto.js';
import {
  authStateCookieName,
  authStateCookieOptions,
  clearedCookieOptions,
  COOKIE_NAME,
  HOST_COOKIE_NAME,
  readSessionId,
  sessionCookieName,
  sessionCookieOptions,
  sessionDigest,
  useSessionCookie,
} from './session-cookie.js';
import { testConfig } from './test-support/app.js';

const production = testConfig({
  ENVIRONMENT: 'production',
  PUBLIC_URL: 'https://lasso.example',
  LASTFM_API_KEY: 'key',
  LASTFM_API_SECRET: 'secret',
});

async function setCookies(config = testConfig()) {
  const app = Fastify();
  await app.register(cookie);
  useSessionCookie(app, config);
  app.get('/set', async (_request, reply) =>
    reply
      .setCookie(sessionCookieName(config), 'sid', sessionCookieOptions(config))
      .setCookie(authStateCookieName(config), 'state', authStateCookieOptions(config))
      .send('ok'),
  );
  app.get('/clear', async (_request, reply) =>
    reply.setCookie(COOKIE_NAME, '', clearedCookieOptions(sessionCookieOptions(config))).send('ok'),
  );
  app.get('/read', async (request) => ({
    id: readSessionId(request) ?? null,
    digest: sessionDigest(request)?.key ?? null,
  }));
  return app;
}

describe('session cookies', () => {
  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/, 30 days, Secure only in production', async () => {
    const dev = await setCookies();
    const [session, state] = (await dev.inject({ url: '/set' })).headers['set-cookie'] as string[];
    expect(session).toBe('lasso_session=sid; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax');
    expect(state).toBe(
      'lasso_auth_state=state; Max-Age=600; Path=/api/auth; HttpOnly; SameSite=Lax',
    );
    const prod = await setCookies(production);
    const [secure, secureState] = (await prod.inject({ url: '/set' })).headers[
      'set-cookie'
    ] as string[];
    expect(secure).toBe(
      '__Host-lasso_session=sid; Max-Age=2592000; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
    // The __Host- prefix: Secure, Path=/, no Domain, or browsers refuse it.
    expect(secureState).toBe(
      '__Host-lasso_auth_state=state; Max-Age=600; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('reads the session (and keys the rate limits) by the production name only in production', async () => {
    const prod = await setCookies(production);
    const id = newSessionId();
    const read = async (name: string) =>
      (await prod.inject({ url: '/read', headers: { cookie: `${name}=${id}` } })).json<{
        id: string | null;
        digest: string | null;
      }>();
    expect(await read(HOST_COOKIE_NAME)).toEqual({ id, digest: expect.any(String) });
    expect(await read(COOKIE_NAME)).toEqual({ id: null, digest: null });
  });

  it('clears a cookie on the same path', async () => {
    const app = await setCookies();
    const cleared = String((await app.inject({ url: '/clear' })).headers['set-cookie']);
    expect(cleared).toMatch(/^lasso_session=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/);
  });

  it('reads only well-formed session ids', async () => {
    const app = await setCookies();
    const id = newSessionId();
    const read = async (value: string) =>
      (await app.inject({ url: '/read', headers: { cookie: `${COOKIE_NAME}=${value}` } })).json<{
        id: string | null;
      }>().id;
    expect(await read(id)).toBe(id);
    expect(await read('short')).toBeNull();
    expect(await read(id + '!')).toBeNull();
  });
});
