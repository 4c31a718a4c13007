import { afterEach, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import { LastfmError } from '../../lastfm/errors.js';
import { findAccountByUsername } from '../../store/accounts.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { openSessionKey } from '../auth/keys.js';
import { createKeyBox, hashToken, KeyBoxError } from '../crypto.js';
import {
  AUTH_STATE_COOKIE,
  COOKIE_NAME,
  HOST_AUTH_STATE_COOKIE,
  HOST_COOKIE_NAME,
} from '../session-cookie.js';
import type { ApiTestApp } from '../test-support/api.js';
import {
  buildApiTestApp,
  callback,
  getAs,
  initSignIn,
  postAs,
  setCookie,
  setCookieHeader,
  signIn,
  TEST_API_KEY,
} from '../test-support/api.js';
import { TEST_SESSION_SECRET, testConfig } from '../test-support/app.js';
import { dumpDatabase, secretForms } from '../test-support/db-dump.js';

describeEachDatabase('auth routes', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });
  async function build(overrides: Parameters<typeof buildApiTestApp>[1] = {}) {
    t = await buildApiTestApp(ctx.db, overrides);
    return t;
  }

  it('init sets a short-lived HttpOnly state cookie and points at Last.fm with api_key and a cb carrying the state', async () => {
    const { app, deps } = await build();
    const { state, res } = await initSignIn(app);
    expect(setCookieHeader(res, AUTH_STATE_COOKIE)).toBe(
      `${AUTH_STATE_COOKIE}=${state}; Max-Age=600; Path=/api/auth; HttpOnly; SameSite=Lax`,
    );
    const authUrl = new URL(res.json<{ auth_url: string }>().auth_url);
    expect(`${authUrl.origin}${authUrl.pathname}`).toBe(deps.config.lastfm.authUrl);
    expect(authUrl.searchParams.get('api_key')).toBe(TEST_API_KEY);
    const cb = new URL(authUrl.searchParams.get('cb')!);
    expect(`${cb.origin}${cb.pathname}`).toBe(deps.config.lastfm.callbackUrl);
    expect(cb.searchParams.get('state')).toBe(state);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await dumpDatabase(ctx.db)).not.toContain(state);
  });

  it('init refuses a return_to that leaves the app', async () => {
    const { app } = await build();
    for (const return_to of ['https://evil.example/', '//evil.example', '/\\evil.example']) {
      const res = await app.inject(postAs(null, '/api/auth/init', { return_to }));
      expect(res.statusCode, return_to).toBe(400);
      expect(res.json().code).toBe('INVALID_REQUEST');
      expect(setCookie(res, AUTH_STATE_COOKIE)).toBeUndefined();
    }
  });

  it('signs in: 303 to return_to with a fresh HttpOnly SameSite=Lax session cookie, and tells the engine', async () => {
    const t = await build();
    const username = uniqueName('Maya');
    const { state } = await initSignIn(t.app, { return_to: '/j/rj?from=qr' });
    const { token } = t.lastfm.tokenFor(username);
    const res = await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/j/rj?from=qr');
    const sessionId = setCookie(res, COOKIE_NAME)!;
    expect(setCookieHeader(res, COOKIE_NAME)).toBe(
      `${COOKIE_NAME}=${sessionId}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(setCookieHeader(res, AUTH_STATE_COOKIE)).toMatch(
      /^lasso_auth_state=; .*Path=\/api\/auth/,
    );
    const account = await findAccountByUsername(ctx.db.kysely, username);
    expect(t.engine.calls).toContainEqual(['accountReauthorized', account!.id]);
    const me = await t.app.inject(getAs({ cookies: { [COOKIE_NAME]: sessionId } }, '/api/me'));
    expect(me.json()).toEqual({ username, demo: true });
  });

  it('lands on / without return_to', async () => {
    const t = await build();
    const { state } = await initSignIn(t.app);
    const { token } = t.lastfm.tokenFor(uniqueName('Maya'));
    const res = await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state });
    expect(res.headers.location).toBe('/');
  });

  it('names both cookies __Host- in production, Secure, Path=/, no Domain, and reads no other name', async () => {
    const config = testConfig({
      ENVIRONMENT: 'production',
      PUBLIC_URL: 'https://lasso.example',
      LASTFM_API_KEY: 'key',
      LASTFM_API_SECRET: 'secret',
    });
    const t = await build({ config });
    const init = await t.app.inject({
      method: 'POST',
      url: '/api/auth/init',
      headers: { origin: 'https://lasso.example' },
    });
    expect(setCookieHeader(init, AUTH_STATE_COOKIE)).toBeUndefined();
    const state = setCookie(init, HOST_AUTH_STATE_COOKIE)!;
    const stateHeader = setCookieHeader(init, HOST_AUTH_STATE_COOKIE)!;
    expect(stateHeader).toMatch(/; Path=\/;.*; Secure/);
    expect(stateHeader).not.toMatch(/domain=/i);
    // A state cookie without the prefix could have been planted by a sibling subdomain.
    const { token: plantedToken } = t.lastfm.tokenFor(uniqueName('Mallory'));
    const plantedState = await callback(
      t.app,
      { token: plantedToken, state },
      { [AUTH_STATE_COOKIE]: state },
    );
    expect(plantedState.headers.location).toBe('/?error=STATE_MISMATCH');
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/init',
      headers: { origin: 'https://lasso.example' },
    });
    const fresh = setCookie(again, HOST_AUTH_STATE_COOKIE)!;
    const { token } = t.lastfm.tokenFor(uniqueName('Maya'));
    const res = await callback(t.app, { token, state: fresh }, { [HOST_AUTH_STATE_COOKIE]: fresh });
    expect(setCookieHeader(res, COOKIE_NAME)).toBeUndefined();
    const header = setCookieHeader(res, HOST_COOKIE_NAME)!;
    expect(header).toMatch(/; Path=\/;.*; Secure/);
    expect(header).not.toMatch(/domain=/i);
    const sessionId = setCookie(res, HOST_COOKIE_NAME)!;
    const me = await t.app.inject(getAs({ cookies: { [HOST_COOKIE_NAME]: sessionId } }, '/api/me'));
    expect(me.statusCode).toBe(200);
    // A cookie without the prefix could have been planted by a sibling subdomain: not read.
    const planted = await t.app.inject(getAs({ cookies: { [COOKIE_NAME]: sessionId } }, '/api/me'));
    expect(planted.statusCode).toBe(401);
  });

  it('redirects every failed callback to /?error=CODE, never JSON', async () => {
    const t = await build();
    const cases: Array<[string, () => Promise<Parameters<typeof callback>>]> = [
      ['STATE_MISMATCH', async () => [t.app, { token: 'abc' }, {}]],
      [
        'STATE_MISMATCH',
        async () => {
          const { state } = await initSignIn(t.app);
          return [t.app, { token: 'abc', state }, {}];
        },
      ],
      [
        'STATE_MISMATCH',
        async () => {
          const { state } = await initSignIn(t.app);
          const other = (await initSignIn(t.app)).state;
          return [t.app, { token: 'abc', state }, { [AUTH_STATE_COOKIE]: other }];
        },
      ],
      [
        'STATE_MISMATCH',
        async () => [t.app, { token: 'abc', state: 'short' }, { [AUTH_STATE_COOKIE]: 'short' }],
      ],
      [
        'AUTH_FAILED',
        async () => {
          const { state } = await initSignIn(t.app);
          return [t.app, { state }, { [AUTH_STATE_COOKIE]: state }];
        },
      ],
      [
        'AUTH_FAILED',
        async () => {
          const { state } = await initSignIn(t.app);
          return [t.app, { token: 'not-issued', state }, { [AUTH_STATE_COOKIE]: state }];
        },
      ],
      [
        'LASTFM_ERROR',
        async () => {
          const { state } = await initSignIn(t.app);
          const token = t.lastfm.failingToken(
            new LastfmError('retryable', 11, 'Service offline', 503),
          );
          return [t.app, { token, state }, { [AUTH_STATE_COOKIE]: state }];
        },
      ],
    ];
    for (const [code, make] of cases) {
      const res = await callback(...(await make()));
      expect(res.statusCode, code).toBe(303);
      expect(res.headers.location).toBe(`/?error=${code}`);
      expect(setCookie(res, COOKIE_NAME)).toBeUndefined();
    }
  });

  it('refuses a state used twice or older than 10 minutes with STATE_EXPIRED', async () => {
    const t = await build();
    const { state } = await initSignIn(t.app);
    const cookies = { [AUTH_STATE_COOKIE]: state };
    const first = await callback(
      t.app,
      { token: t.lastfm.tokenFor(uniqueName('M')).token, state },
      cookies,
    );
    expect(first.headers.location).toBe('/');
    const again = await callback(
      t.app,
      { token: t.lastfm.tokenFor(uniqueName('M')).token, state },
      cookies,
    );
    expect(again.headers.location).toBe('/?error=STATE_EXPIRED');

    const late = await initSignIn(t.app);
    await t.clock.advance(10 * MINUTE_MS);
    const expired = await callback(
      t.app,
      { token: t.lastfm.tokenFor(uniqueName('M')).token, state: late.state },
      { [AUTH_STATE_COOKIE]: late.state },
    );
    expect(expired.headers.location).toBe('/?error=STATE_EXPIRED');
  });

  it('turns an unexpected failure into /?error=INTERNAL_ERROR and logs it', async () => {
    const keyBox = createKeyBox(TEST_SESSION_SECRET);
    const t = await build({
      keyBox: {
        ...keyBox,
        seal: () => {
          throw new Error('disk on fire');
        },
      },
    });
    const { state } = await initSignIn(t.app);
    const { token } = t.lastfm.tokenFor(uniqueName('Maya'));
    const res = await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state });
    expect(res.headers.location).toBe('/?error=INTERNAL_ERROR');
    expect(t.logs.text()).toContain('disk on fire');
  });

  it('keeps only hashes of the session id and the key sealed to the account, nowhere in clear', async () => {
    const t = await build();
    const guest = await signIn(t, uniqueName('Maya'));
    const dump = await dumpDatabase(ctx.db);
    for (const form of [...secretForms(guest.sessionKey), ...secretForms(guest.sessionId)]) {
      expect(dump).not.toContain(form);
    }
    const session = await ctx.db.kysely
      .selectFrom('web_sessions')
      .selectAll()
      .where('id_hash', '=', hashToken(guest.sessionId))
      .executeTakeFirstOrThrow();
    const account = await findAccountByUsername(ctx.db.kysely, guest.username);
    expect(session.account_id).toBe(account!.id);
    expect(openSessionKey(t.deps.keyBox, account!)).toBe(guest.sessionKey);
    // Bound to its row: the same blob on another account id does not open.
    expect(() => openSessionKey(t.deps.keyBox, { ...account!, id: account!.id + 1 })).toThrow(
      KeyBoxError,
    );
  });

  it('gives a new session id at every sign-in and ends the browser’s previous one', async () => {
    const t = await build();
    const username = uniqueName('Maya');
    const phone = await signIn(t, username);
    const laptop = await signIn(t, username);
    expect(laptop.sessionId).not.toBe(phone.sessionId);
    // The laptop signs in again while still holding its old cookie.
    const { state } = await initSignIn(t.app);
    const { token } = t.lastfm.tokenFor(username);
    const res = await callback(
      t.app,
      { token, state },
      { [AUTH_STATE_COOKIE]: state, ...laptop.cookies },
    );
    const renewed = setCookie(res, COOKIE_NAME)!;
    expect(renewed).not.toBe(laptop.sessionId);
    expect((await t.app.inject(getAs(laptop, '/api/me'))).statusCode).toBe(401);
    expect((await t.app.inject(getAs(phone, '/api/me'))).statusCode).toBe(200);
  });

  it('a sign-in repairs a revoked key', async () => {
    const t = await build();
    const guest = await signIn(t, uniqueName('Maya'));
    await ctx.db.kysely
      .updateTable('accounts')
      .set({ key_state: 'revoked' })
      .where('username', '=', guest.username)
      .execute();
    await signIn(t, guest.username);
    const account = await findAccountByUsername(ctx.db.kysely, guest.username);
    expect(account?.key_state).toBe('valid');
  });

  it('logout ends only this browser’s session and clears its cookie; the follow goes on', async () => {
    const t = await build();
    const username = uniqueName('Maya');
    const phone = await signIn(t, username);
    const laptop = await signIn(t, username);
    const res = await t.app.inject(postAs(phone, '/api/auth/logout'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true });
    expect(setCookieHeader(res, COOKIE_NAME)).toMatch(/^lasso_session=; .*Path=\//);
    expect((await t.app.inject(getAs(phone, '/api/me'))).json().code).toBe('AUTH_REQUIRED');
    expect((await t.app.inject(getAs(laptop, '/api/me'))).statusCode).toBe(200);
    expect(t.engine.calls.map(([m]) => m)).not.toContain('stop');
  });

  it('logout without a session still answers success', async () => {
    const t = await build();
    const res = await t.app.inject(postAs(null, '/api/auth/logout'));
    expect(res.json()).toEqual({ success: true });
  });

  it('disconnect and me need a session', async () => {
    const t = await build();
    const me = await t.app.inject(getAs(null, '/api/me'));
    expect([me.statusCode, me.json().code]).toEqual([401, 'AUTH_REQUIRED']);
    const disconnect = await t.app.inject(postAs(null, '/api/auth/disconnect'));
    expect([disconnect.statusCode, disconnect.json().code]).toEqual([401, 'AUTH_REQUIRED']);
  });

  it('says demo only when Lasso runs on its emulator (no LASTFM_API_KEY)', async () => {
    const real = await build({
      config: testConfig({ LASTFM_API_KEY: 'key', LASTFM_API_SECRET: 'secret' }),
    });
    const guest = await signIn(real, uniqueName('Maya'));
    expect((await real.app.inject(getAs(guest, '/api/me'))).json().demo).toBe(false);
    await real.app.close();
    const demo = await build();
    const demoGuest = await signIn(demo, uniqueName('Maya'));
    expect((await demo.app.inject(getAs(demoGuest, '/api/me'))).json().demo).toBe(true);
  });

  it('refuses a cross-origin POST to a real route with 403 FORBIDDEN_ORIGIN', async () => {
    const t = await build();
    const guest = await signIn(t, uniqueName('Maya'));
    const res = await t.app.inject({
      ...postAs(guest, '/api/auth/disconnect'),
      headers: { origin: 'https://evil.example' },
    });
    expect([res.statusCode, res.json().code]).toEqual([403, 'FORBIDDEN_ORIGIN']);
    expect(t.engine.calls.map(([m]) => m)).not.toContain('accountDisconnected');
  });
});
