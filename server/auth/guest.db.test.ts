import { afterEach, expect, it } from 'vitest';
import { HOUR_MS, SECOND_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { hashToken, newSessionId } from '../crypto.js';
import { COOKIE_NAME, SESSION_IDLE_TIMEOUT_MS } from '../session-cookie.js';
import type { ApiTestApp, SignedInGuest } from '../test-support/api.js';
import { buildApiTestApp, getAs, postAs, signIn } from '../test-support/api.js';
import { SESSION_TOUCH_INTERVAL_MS } from './guest.js';

describeEachDatabase('guest sessions', (ctx) => {
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

  async function lastSeen(guest: SignedInGuest): Promise<number | undefined> {
    const row = await ctx.db.kysely
      .selectFrom('web_sessions')
      .select('last_seen_at')
      .where('id_hash', '=', hashToken(guest.sessionId))
      .executeTakeFirst();
    return row?.last_seen_at.getTime();
  }

  async function setKeyState(guest: SignedInGuest, state: 'revoked' | 'disconnected') {
    await ctx.db.kysely
      .updateTable('accounts')
      .set(
        state === 'disconnected'
          ? { key_state: state, session_key_enc: null }
          : { key_state: state },
      )
      .where('username', '=', guest.username)
      .execute();
  }

  it('refuses a session idle for 24 h with SESSION_EXPIRED and deletes it', async () => {
    const { t, guest } = await signedIn();
    await t.clock.advance(SESSION_IDLE_TIMEOUT_MS);
    const res = await t.app.inject(getAs(guest, '/api/me'));
    expect([res.statusCode, res.json().code]).toEqual([401, 'SESSION_EXPIRED']);
    expect(await lastSeen(guest)).toBeUndefined();
    // Gone now: the same cookie is simply not signed in.
    expect((await t.app.inject(getAs(guest, '/api/me'))).json().code).toBe('AUTH_REQUIRED');
  });

  it('keeps a session used 23 h later, and slides its expiry', async () => {
    const { t, guest } = await signedIn();
    await t.clock.advance(23 * HOUR_MS);
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
    expect(await lastSeen(guest)).toBe(t.clock.now());
    await t.clock.advance(23 * HOUR_MS);
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
  });

  it('writes last_seen_at at most once a minute', async () => {
    const { t, guest } = await signedIn();
    const signedInAt = t.clock.now();
    await t.clock.advance(SESSION_TOUCH_INTERVAL_MS - SECOND_MS);
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
    expect(await lastSeen(guest)).toBe(signedInAt);
    await t.clock.advance(SECOND_MS);
    await t.app.inject(getAs(guest, '/api/me'));
    expect(await lastSeen(guest)).toBe(t.clock.now());
  });

  it('answers AUTH_REQUIRED for no cookie, a malformed one and an unknown one', async () => {
    t = await buildApiTestApp(ctx.db);
    const cookieSets: Array<Record<string, string>> = [
      {},
      { [COOKIE_NAME]: 'nope' },
      { [COOKIE_NAME]: newSessionId() },
    ];
    for (const cookies of cookieSets) {
      const res = await t.app.inject(getAs({ cookies }, '/api/session/status'));
      expect([res.statusCode, res.json().code]).toEqual([401, 'AUTH_REQUIRED']);
    }
  });

  it('with a revoked key: status and stop work, start and resume ask to sign in again', async () => {
    const { t, guest } = await signedIn();
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj' }));
    await t.app.inject(postAs(guest, '/api/session/pause'));
    await setKeyState(guest, 'revoked');
    expect((await t.app.inject(getAs(guest, '/api/session/status'))).statusCode).toBe(200);
    for (const res of [
      await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj' })),
      await t.app.inject(postAs(guest, '/api/session/resume')),
    ]) {
      expect([res.statusCode, res.json().code]).toEqual([401, 'SESSION_EXPIRED']);
      expect(res.json().details).toContain('sign in with Last.fm again');
    }
    expect((await t.app.inject(postAs(guest, '/api/session/stop'))).json()).toEqual({
      success: true,
      state: 'stopped',
    });
    // The session itself lives on, so the guest keeps seeing why things stopped.
    expect(await lastSeen(guest)).toBeDefined();
  });

  it('ends a session left on a disconnected account', async () => {
    const { t, guest } = await signedIn();
    await setKeyState(guest, 'disconnected');
    const res = await t.app.inject(getAs(guest, '/api/me'));
    expect([res.statusCode, res.json().code]).toEqual([401, 'SESSION_EXPIRED']);
    expect(await lastSeen(guest)).toBeUndefined();
  });
});
