import { afterEach, expect, it } from 'vitest';
import { DataExport } from '../../contract/index.js';
import type { HistoryScrobble } from '../../engine/engine-api.js';
import { findAccountByUsername } from '../../store/accounts.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import type { ApiTestApp } from '../test-support/api.js';
import { buildApiTestApp, getAs, postAs, signIn } from '../test-support/api.js';
import { exportFileName } from './export.js';

describeEachDatabase('GET /api/me/export', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  const scrobble: HistoryScrobble = {
    artist: 'Björk',
    track: 'Jóga',
    album: 'Homogenic',
    imageUrl: null,
    timestamp: 1767636000,
    status: 'ignored',
    ignoredCode: 3,
    ignoredMessage: 'Timestamp was too old',
    attempts: 1,
    settledAt: 1767636100_000,
  };

  it('downloads every follow with every scrobble as a dated JSON file', async () => {
    t = await buildApiTestApp(ctx.db);
    const guest = await signIn(t, uniqueName('Maya'));
    t.engine.addHost('rj_plays');
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj_plays' }));
    await t.app.inject(postAs(guest, '/api/session/stop'));
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj_plays' }));
    const history = await t.engine.history(
      (await findAccountByUsername(ctx.db.kysely, guest.username))!.id,
    );
    t.engine.scrobbles.set(history[0]!.followId, [scrobble]);

    const res = await t.app.inject(getAs(guest, '/api/me/export'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="lasso-${guest.username}-2026-01-05.json"`,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const body = DataExport.parse(res.json());
    expect(body.exported_at).toBe(t.clock.now());
    expect(body.username).toBe(guest.username);
    expect(body.follows.map((f) => f.state)).toEqual(['stopped', 'active']);
    expect(body.follows[0]!.scrobbles).toEqual([
      {
        artist: 'Björk',
        track: 'Jóga',
        album: 'Homogenic',
        image_url: null,
        timestamp: 1767636000,
        status: 'ignored',
        sent_at: 1767636100_000,
        lastfm_code: 3,
        lastfm_message: 'Timestamp was too old',
      },
    ]);
    expect(body.follows[1]!.scrobbles).toEqual([]);
  });

  it('needs a session', async () => {
    t = await buildApiTestApp(ctx.db);
    const res = await t.app.inject(getAs(null, '/api/me/export'));
    expect([res.statusCode, res.json().code]).toEqual([401, 'AUTH_REQUIRED']);
  });
});

it('names the file after the guest and the UTC day', () => {
  expect(exportFileName('RJ_plays', Date.UTC(2026, 11, 31, 23, 59))).toBe(
    'lasso-RJ_plays-2026-12-31.json',
  );
  expect(exportFileName('a"b\r\nc', 0)).toBe('lasso-a_b__c-1970-01-01.json');
});
