import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { SESSION_CACHE_TTL_MS } from '../auth/session-cache.js';
import { hashToken } from '../crypto.js';
import type { ApiTestApp, SignedInGuest } from '../test-support/api.js';
import {
  buildApiTestApp,
  callback,
  getAs,
  initSignIn,
  postAs,
  signIn,
} from '../test-support/api.js';
import { AUTH_STATE_COOKIE } from '../session-cookie.js';
import { STATUS_CACHE_TTL_MS } from './status-cache.js';

describeEachDatabase('session and status caches', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function signedIn(): Promise<{ t: ApiTestApp; guest: SignedInGuest }> {
    t = await buildApiTestApp(ctx.db);
    const guest = await signIn(t, uniqueName('Maya'));
    t.engine.addHost('rj');
    return { t, guest };
  }

  const state = async (t: ApiTestApp, guest: SignedInGuest): Promise<unknown> =>
    (await t.app.inject(getAs(guest, '/api/session/status'))).json().state;

  it('shows the guest’s own state change on their very next status read', async () => {
    const { t, guest } = await signedIn();
    expect(await state(t, guest)).toBe('not_started');
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj' }));
    expect(await state(t, guest)).toBe('active');
    await t.app.inject(postAs(guest, '/api/session/pause'));
    expect(await state(t, guest)).toBe('paused');
    await t.app.inject(postAs(guest, '/api/session/resume'));
    expect(await state(t, guest)).toBe('active');
    await t.app.inject(postAs(guest, '/api/session/stop'));
    expect(await state(t, guest)).toBe('stopped');
  });

  it('shows the engine’s own changes within the status TTL', async () => {
    const { t, guest } = await signedIn();
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj' }));
    const count = async (): Promise<unknown> =>
      (await t.app.inject(getAs(guest, '/api/session/status'))).json().scrobble_count;
    expect(await count()).toBe(0);
    t.engine.statusExtra = { counts: { pending: 0, mirrored: 3, ignored: 0, held: 0 } };
    expect(await count()).toBe(0);
    await t.clock.advance(STATUS_CACHE_TTL_MS);
    expect(await count()).toBe(3);
  });

  it('trusts a session removed behind its back for the session TTL only', async () => {
    const { t, guest } = await signedIn();
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
    // As another instance's logout would.
    await ctx.db.kysely
      .deleteFrom('web_sessions')
      .where('id_hash', '=', hashToken(guest.sessionId))
      .execute();
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
    await t.clock.advance(SESSION_CACHE_TTL_MS);
    expect((await t.app.inject(getAs(guest, '/api/me'))).json().code).toBe('AUTH_REQUIRED');
  });

  it('ends a session at once on logout, though it was cached', async () => {
    const { t, guest } = await signedIn();
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
    await t.app.inject(postAs(guest, '/api/auth/logout'));
    expect((await t.app.inject(getAs(guest, '/api/me'))).json().code).toBe('AUTH_REQUIRED');
  });

  it('signs every cached browser of the account out at once on disconnect', async () => {
    const { t, guest: phone } = await signedIn();
    const laptop = await signIn(t, phone.username);
    for (const browser of [phone, laptop]) {
      expect((await t.app.inject(getAs(browser, '/api/me'))).statusCode).toBe(200);
    }
    await t.app.inject(postAs(phone, '/api/auth/disconnect'));
    expect((await t.app.inject(getAs(laptop, '/api/me'))).statusCode).toBe(401);
  });

  it('ends the browser’s cached previous session when it signs in again', async () => {
    const { t, guest: before } = await signedIn();
    expect((await t.app.inject(getAs(before, '/api/me'))).statusCode).toBe(200);
    // The same browser signs in again, still holding its old cookie.
    const { state } = await initSignIn(t.app);
    const { token } = t.lastfm.tokenFor(before.username);
    await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state, ...before.cookies });
    expect((await t.app.inject(getAs(before, '/api/me'))).json().code).toBe('AUTH_REQUIRED');
  });
});
