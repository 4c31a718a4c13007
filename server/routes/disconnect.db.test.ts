/**
 * Disconnect erases the guest (docs/runbook.md, "What Lasso keeps"). The route with the fake engine
 * (answer, caches, failure), then with the real engine and the real Last.fm client against the
 * emulator: a guest signs in through the consent page, follows a host, gets scrobbles mirrored,
 * disconnects, and no table holds a row of theirs or a trace of their name, session or key.
 */
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { createEngine } from '../../engine/engine.js';
import type { EngineRuntime } from '../../engine/engine-api.js';
import { runEngines } from '../../engine/test-support/engine-rig.js';
import { seededRandom } from '../../lib/random.js';
import { findAccountByUsername } from '../../store/accounts.js';
import type { Db } from '../../store/db.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { startRig, T0_MS, type Rig } from '../../test/integration/harness.js';
import { openSessionKey } from '../auth/keys.js';
import { createKeyBox, hashToken } from '../crypto.js';
import type { ZodApp } from '../deps.js';
import { engineSettings } from '../engine-settings.js';
import { COOKIE_NAME } from '../session-cookie.js';
import type { ApiTestApp } from '../test-support/api.js';
import { buildApiTestApp, getAs, postAs, setCookieHeader, signIn } from '../test-support/api.js';
import { buildTestApp, testConfig } from '../test-support/app.js';
import { dumpDatabase, secretForms } from '../test-support/db-dump.js';
import { signInThroughEmulator } from '../test-support/emulator-sign-in.js';
import { apiRoutes } from './index.js';

const MINUTE = 60_000;
const UNLIMITED = {
  perIp: { perSecond: 1_000_000, burst: 1_000_000 },
  perSession: { perSecond: 1_000_000, burst: 1_000_000 },
  signIn: { perSecond: 1_000_000, burst: 1_000_000 },
};

/** Rows of any table that point at account `id` (by `guest_id`, `account_id`, or its own row). */
async function rowsOf(db: Db, id: number): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name IN ('guest_id', 'account_id')`.execute(db.kysely);
  const found: string[] = [];
  const checks = [...columns.rows, { table_name: 'accounts', column_name: 'id' }];
  for (const { table_name: table, column_name: column } of checks) {
    const rows = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE ${sql.ref(column)} = ${id}`.execute(
      db.kysely,
    );
    if ((rows.rows[0]?.n ?? 0) > 0) found.push(`${table}.${column}: ${rows.rows[0]?.n}`);
  }
  return found;
}

describeEachDatabase('disconnect with the real engine', (ctx) => {
  let rig: Rig | undefined;
  let app: ZodApp | undefined;
  afterEach(async () => {
    await app?.close();
    await rig?.close();
    app = undefined;
    rig = undefined;
  });

  async function start(guestName: string, hostName: string) {
    rig = await startRig({ users: [guestName, hostName] });
    const config = testConfig({ POLLING_INTERVAL_MS: '5000' });
    const keyBox = createKeyBox(config.sessionSecret);
    const client = rig.client({ maxReadRetries: 0 });
    // The guest's Last.fm session key, to look for it (in any form) after the disconnect.
    const sessionKeys: string[] = [];
    const lastfm = {
      ...client,
      getSession: async (token: string, signal?: AbortSignal) => {
        const session = await client.getSession(token, signal);
        sessionKeys.push(session.key);
        return session;
      },
    };
    const engine: EngineRuntime = createEngine({
      db: ctx.db,
      lastfm,
      clock: rig.clock,
      random: seededRandom(7),
      config: engineSettings(config),
      instanceId: `disconnect-${guestName}`,
      decryptSessionKey: (id, blob) => openSessionKey(keyBox, { id, session_key_enc: blob }) ?? '',
    });
    ({ app } = await buildTestApp({
      config,
      clock: rig.clock,
      db: ctx.db,
      engine,
      keyBox,
      lastfm,
      routes: apiRoutes,
      rateLimits: UNLIMITED,
    }));
    return { rig, app, engine, sessionKeys };
  }

  it('leaves no row and no trace of the guest once they disconnect', async () => {
    const guestName = uniqueName('rj_guest');
    const hostName = uniqueName('maya_host');
    const { rig, app, engine, sessionKeys } = await start(guestName, hostName);
    const browser = await signInThroughEmulator(app, guestName);
    const account = await findAccountByUsername(ctx.db.kysely, guestName);
    expect(account).toBeDefined();

    const started = await app.inject(
      postAs(browser, '/api/session/start', { target_username: hostName }),
    );
    expect(started.json()).toMatchObject({ success: true, state: 'active' });
    rig.emu.startListener({
      user: hostName,
      tracks: [
        { artist: 'Björk', track: 'Jóga', album: 'Homogenic', duration_s: 60 },
        { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk...', duration_s: 60 },
        {
          artist: 'Khruangbin',
          track: 'María También',
          album: 'Con Todo El Mundo',
          duration_s: 60,
        },
      ],
    });
    await runEngines(rig, [engine], T0_MS + 6 * MINUTE);
    const status = (await app.inject(getAs(browser, '/api/session/status'))).json();
    expect(status.counts.mirrored).toBeGreaterThanOrEqual(2);
    expect(rig.emu.scrobbles(guestName).length).toBeGreaterThanOrEqual(2);
    const before = await dumpDatabase(ctx.db);
    expect(before).toContain(guestName);

    const res = await app.inject(postAs(browser, '/api/auth/disconnect'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, dropped: expect.any(Number) });
    expect((await app.inject(getAs(browser, '/api/me'))).statusCode).toBe(401);

    expect(await rowsOf(ctx.db, account!.id)).toEqual([]);
    const dump = (await dumpDatabase(ctx.db)).toLowerCase();
    expect(dump).not.toContain(guestName.toLowerCase());
    expect(dump).not.toContain(hashToken(browser.sessionId).toString('hex'));
    expect(sessionKeys).toHaveLength(1);
    for (const secret of [...sessionKeys, browser.token, browser.sessionId]) {
      for (const form of secretForms(secret)) expect(dump).not.toContain(form.toLowerCase());
    }
    // The engine carries on for everyone else: a later run must not trip over the gone guest.
    await runEngines(rig, [engine], T0_MS + 8 * MINUTE);
  });
});

describeEachDatabase('POST /api/auth/disconnect', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });
  async function build() {
    t = await buildApiTestApp(ctx.db);
    return t;
  }

  it('disconnect has the engine erase the account, signs every browser out and says what was dropped', async () => {
    const t = await build();
    const username = uniqueName('Maya');
    const phone = await signIn(t, username);
    const laptop = await signIn(t, username);
    const account = await findAccountByUsername(ctx.db.kysely, username);
    t.engine.dropOnDisconnect = 3;
    const res = await t.app.inject(postAs(phone, '/api/auth/disconnect'));
    expect(res.json()).toEqual({ success: true, dropped: 3 });
    expect(setCookieHeader(res, COOKIE_NAME)).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    expect(t.engine.calls).toContainEqual(['accountDisconnected', account!.id]);
    expect(await findAccountByUsername(ctx.db.kysely, username)).toBeUndefined();
    const sessions = await ctx.db.kysely
      .selectFrom('web_sessions')
      .select('id_hash')
      .where('account_id', '=', account!.id)
      .execute();
    expect(sessions).toEqual([]);
    for (const browser of [phone, laptop]) {
      expect((await t.app.inject(getAs(browser, '/api/me'))).statusCode).toBe(401);
    }
    const dump = await dumpDatabase(ctx.db);
    expect(dump).not.toContain(phone.sessionKey);
    expect(dump).not.toContain(username);
  });

  it('disconnect keeps everything when the engine fails, so the guest can retry', async () => {
    const t = await build();
    const username = uniqueName('Maya');
    const guest = await signIn(t, username);
    t.engine.failNext('accountDisconnected', new Error('database went away'));
    const res = await t.app.inject(postAs(guest, '/api/auth/disconnect'));
    expect([res.statusCode, res.json().code]).toEqual([500, 'INTERNAL_ERROR']);
    expect(setCookieHeader(res, COOKIE_NAME)).toBeUndefined();
    expect(await findAccountByUsername(ctx.db.kysely, username)).toBeDefined();
    expect((await t.app.inject(getAs(guest, '/api/me'))).statusCode).toBe(200);
  });
});
