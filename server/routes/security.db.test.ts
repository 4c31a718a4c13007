import { afterEach, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { findAccountByUsername } from '../../store/accounts.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { AUTH_STATE_COOKIE } from '../session-cookie.js';
import type { ApiTestApp } from '../test-support/api.js';
import {
  buildApiTestApp,
  callback,
  getAs,
  initSignIn,
  postAs,
  setCookie,
  signIn,
} from '../test-support/api.js';
import { COOKIE_NAME } from '../session-cookie.js';

describeEachDatabase('secrets stay secret', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('no Last.fm session key, sign-in token or session id in any answer or log line', async () => {
    t = await buildApiTestApp(ctx.db);
    t.engine.addHost('rj_plays');
    const username = uniqueName('Maya');
    const answers: LightMyRequestResponse[] = [];

    const { state, res: init } = await initSignIn(t.app, { return_to: '/j/rj_plays' });
    answers.push(init);
    const { token, sessionKey } = t.lastfm.tokenFor(username);
    const signedIn = await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state });
    answers.push(signedIn);
    const sessionId = setCookie(signedIn, COOKIE_NAME)!;
    const guest = { cookies: { [COOKIE_NAME]: sessionId } };
    const guestId = (await findAccountByUsername(ctx.db.kysely, username))!.id;
    t.engine.addHistory(guestId, {
      followId: 1,
      targetUsername: 'rj_plays',
      state: 'stopped',
      startedAt: 0,
      stoppedAt: 1,
      stopReason: 'auth_revoked',
      mirroredCount: 0,
      ignoredCount: 0,
      pendingCount: 0,
      windows: [],
    });

    for (const request of [
      getAs(guest, '/api/me'),
      postAs(guest, '/api/session/start', { target_username: 'rj_plays' }),
      getAs(guest, '/api/session/catch-up', { target_username: 'rj_plays', since: '0' }),
      postAs(guest, '/api/session/pause'),
      postAs(guest, '/api/session/resume'),
      getAs(guest, '/api/session/status'),
      postAs(guest, '/api/session/stop'),
      getAs(guest, '/api/session/history'),
      getAs(guest, '/api/session/history/1'),
      getAs(guest, '/api/invite/rj_plays/qr.svg'),
      postAs(guest, '/api/auth/logout'),
    ]) {
      const res = await t.app.inject(request);
      expect(res.statusCode, request.url).toBeLessThan(400);
      answers.push(res);
    }
    const again = await signIn(t, username);
    answers.push(await t.app.inject(postAs(again, '/api/auth/disconnect')));

    for (const res of answers) {
      const seen = JSON.stringify(res.headers) + res.body;
      expect(seen).not.toContain(sessionKey);
      expect(seen).not.toContain(again.sessionKey);
    }
    const logs = t.logs.text();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [sessionKey, again.sessionKey, token, state, sessionId, again.sessionId]) {
      expect(logs).not.toContain(secret);
    }
  });
});
