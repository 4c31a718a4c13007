import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { newSessionId } from './crypto.js';
import {
  AUTH_STATE_COOKIE,
  authStateCookieOptions,
  clearedCookieOptions,
  COOKIE_NAME,
  readSessionId,
  sessionCookieOptions,
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
  app.get('/set', async (_request, reply) =>
    reply
      .setCookie(COOKIE_NAME, 'sid', sessionCookieOptions(config))
      .setCookie(AUTH_STATE_COOKIE, 'state', authStateCookieOptions(config))
      .send('ok'),
  );
  app.get('/clear', async (_request, reply) =>
    reply.setCookie(COOKIE_NAME, '', clearedCookieOptions(sessionCookieOptions(config))).send('ok'),
  );
  app.get('/read', async (request) => ({ id: readSessionId(request) ?? null }));
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
    const [secure] = (await prod.inject({ url: '/set' })).headers['set-cookie'] as string[];
    expect(secure).toContain('; Secure');
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
      }>();
    expect(await read(id)).toEqual({ id });
    expect(await read('short')).toEqual({ id: null });
    expect(await read(id + '!')).toEqual({ id: null });
  });
});
