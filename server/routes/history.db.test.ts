import QRCode from 'qrcode';
import { afterEach, expect, it } from 'vitest';
import { HistoryDetailResponse, HistoryResponse } from '../../contract/index.js';
import type { HistoryEntry, HistoryScrobble } from '../../engine/engine-api.js';
import { findAccountByUsername } from '../../store/accounts.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import {
  insertFollow,
  insertHost,
  TEST_NOW,
  uniqueName,
} from '../../store/test-support/factories.js';
import type { ApiTestApp, SignedInGuest } from '../test-support/api.js';
import { buildApiTestApp, getAs, postAs, signIn } from '../test-support/api.js';

describeEachDatabase('history and invite routes', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function signedIn(): Promise<{ t: ApiTestApp; guest: SignedInGuest; guestId: number }> {
    t = await buildApiTestApp(ctx.db);
    const guest = await signIn(t, uniqueName('Maya'));
    const guestId = (await findAccountByUsername(ctx.db.kysely, guest.username))!.id;
    t.engine.addHost('rj_plays');
    t.engine.addHost('kim');
    return { t, guest, guestId };
  }

  const entry = (followId: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
    followId,
    targetUsername: 'rj_plays',
    state: 'paused',
    startedAt: TEST_NOW.getTime(),
    stoppedAt: null,
    stopReason: null,
    mirroredCount: 4,
    ignoredCount: 1,
    pendingCount: 3,
    windows: [{ openedAt: TEST_NOW.getTime(), closedAt: TEST_NOW.getTime() + 60_000 }],
    ...over,
  });

  it('lists past follows newest first with windows, counts and stop reasons', async () => {
    const { t, guest } = await signedIn();
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'rj_plays' }));
    await t.clock.advance(60_000);
    await t.app.inject(postAs(guest, '/api/session/pause'));
    await t.clock.advance(60_000);
    await t.app.inject(postAs(guest, '/api/session/resume'));
    await t.clock.advance(60_000);
    await t.app.inject(postAs(guest, '/api/session/start', { target_username: 'kim' }));
    const start = t.clock.now() - 180_000;

    const res = await t.app.inject(getAs(guest, '/api/session/history'));
    const body = HistoryResponse.parse(res.json());
    expect(body).toMatchObject({ page: 1, per_page: 50, total: 2 });
    expect(body.follows.map((f) => [f.target_username, f.state, f.stop_reason])).toEqual([
      ['kim', 'active', null],
      ['rj_plays', 'stopped', 'switched'],
    ]);
    expect(body.follows[1]).toMatchObject({
      started_at: start,
      ended_at: start + 180_000,
      windows: [
        { started_at: start, ended_at: start + 60_000 },
        { started_at: start + 120_000, ended_at: start + 180_000 },
      ],
      counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
    });
    expect(body.follows[0]!.id).toMatch(/^\d+$/);
  });

  it('pages the list', async () => {
    const { t, guest, guestId } = await signedIn();
    for (let i = 0; i < 3; i++) t.engine.addHistory(guestId, entry(500 + i, { startedAt: i }));
    const res = await t.app.inject(
      getAs(guest, '/api/session/history', { page: '2', per_page: '2' }),
    );
    expect(res.json()).toMatchObject({ page: 2, per_page: 2, total: 3 });
    expect(HistoryResponse.parse(res.json()).follows.map((f) => f.id)).toEqual(['500']);
    const bad = await t.app.inject(getAs(guest, '/api/session/history', { per_page: '500' }));
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('shows pause reason, now-playing choice and held rows from the follow', async () => {
    const { t, guest, guestId } = await signedIn();
    const host = await insertHost(ctx.db.kysely);
    const follow = await insertFollow(
      ctx.db.kysely,
      { guestId, hostId: host.id },
      {
        state: 'paused',
        pause_reason: 'already_scrobbling',
        mirror_now_playing: true,
        held_until: new Date(t.clock.now() + 3_600_000),
      },
    );
    t.engine.addHistory(guestId, entry(follow.id));
    const res = await t.app.inject(getAs(guest, '/api/session/history'));
    expect(res.json().follows[0]).toMatchObject({
      id: String(follow.id),
      pause_reason: 'already_scrobbling',
      mirror_now_playing: true,
      counts: { pending: 0, held: 3, mirrored: 4, ignored: 1 },
    });
  });

  it('shows what was sent for one follow and Last.fm’s answer to each, paged', async () => {
    const { t, guest, guestId } = await signedIn();
    t.engine.addHistory(guestId, entry(700));
    const base = {
      artist: 'Björk',
      track: 'Jóga',
      album: 'Homogenic',
      imageUrl: null,
      attempts: 1,
    };
    const rows: HistoryScrobble[] = [
      {
        ...base,
        timestamp: 100,
        status: 'mirrored',
        ignoredCode: null,
        ignoredMessage: null,
        settledAt: 5_000,
      },
      {
        ...base,
        timestamp: 200,
        status: 'ignored',
        ignoredCode: 1,
        ignoredMessage: 'Artist name ignored',
        settledAt: 6_000,
      },
      {
        ...base,
        timestamp: 300,
        status: 'pending',
        ignoredCode: null,
        ignoredMessage: null,
        settledAt: null,
        attempts: 0,
      },
    ];
    t.engine.scrobbles.set(700, rows);
    const res = await t.app.inject(getAs(guest, '/api/session/history/700', { per_page: '2' }));
    const body = HistoryDetailResponse.parse(res.json());
    expect(body).toMatchObject({ page: 1, per_page: 2, total: 3, follow: { id: '700' } });
    expect(
      body.scrobbles.map((s) => [
        s.timestamp,
        s.status,
        s.sent_at,
        s.lastfm_code,
        s.lastfm_message,
      ]),
    ).toEqual([
      [100, 'mirrored', 5_000, 0, null],
      [200, 'ignored', 6_000, 1, 'Artist name ignored'],
    ]);
    const page2 = await t.app.inject(
      getAs(guest, '/api/session/history/700', { page: '2', per_page: '2' }),
    );
    expect(page2.json().scrobbles).toEqual([
      {
        artist: 'Björk',
        track: 'Jóga',
        album: 'Homogenic',
        image_url: null,
        timestamp: 300,
        status: 'pending',
        sent_at: null,
        lastfm_code: null,
        lastfm_message: null,
      },
    ]);
  });

  it('answers 404 for another guest’s follow and for ids that name none', async () => {
    const { t, guest } = await signedIn();
    const other = await signIn(t, uniqueName('Kim'));
    const otherId = (await findAccountByUsername(ctx.db.kysely, other.username))!.id;
    t.engine.addHistory(otherId, entry(900));
    for (const id of ['900', 'abc', '0', '99999999999999999999']) {
      const res = await t.app.inject(getAs(guest, `/api/session/history/${id}`));
      expect([res.statusCode, res.json().code], id).toEqual([404, 'NOT_FOUND']);
    }
    expect((await t.app.inject(getAs(other, '/api/session/history/900'))).statusCode).toBe(200);
    const bad = await t.app.inject(getAs(guest, '/api/session/history/a%20b'));
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('needs a session for history', async () => {
    t = await buildApiTestApp(ctx.db);
    for (const url of ['/api/session/history', '/api/session/history/1']) {
      const res = await t.app.inject(getAs(null, url));
      expect([res.statusCode, res.json().code], url).toEqual([401, 'AUTH_REQUIRED']);
    }
  });

  it('serves the invite QR code of PUBLIC_URL/j/:username as cacheable SVG, without a session', async () => {
    t = await buildApiTestApp(ctx.db);
    const res = await t.app.inject({ url: '/api/invite/RJ_plays/qr.svg' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const expected = await QRCode.toString('http://lasso.test/j/RJ_plays', {
      type: 'svg',
      margin: 2,
      errorCorrectionLevel: 'M',
    });
    expect(res.body).toBe(expected);
    expect(res.body.startsWith('<svg')).toBe(true);
  });

  it('refuses an invite QR code for a name that is no Last.fm username', async () => {
    t = await buildApiTestApp(ctx.db);
    const res = await t.app.inject({ url: '/api/invite/%3Cscript%3E/qr.svg' });
    expect([res.statusCode, res.json().code]).toEqual([400, 'INVALID_REQUEST']);
  });
});
