import { afterEach, expect, it } from 'vitest';
import { StatusResponse } from '../../contract/index.js';
import { EngineError } from '../../engine/engine-api.js';
import type { EngineErrorCode, StatusView } from '../../engine/engine-api.js';
import { LastfmError } from '../../lastfm/errors.js';
import { findAccountByUsername } from '../../store/accounts.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import type { ApiTestApp, SignedInGuest } from '../test-support/api.js';
import { buildApiTestApp, getAs, postAs, signIn } from '../test-support/api.js';

describeEachDatabase('session routes', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function signedIn(): Promise<{ t: ApiTestApp; guest: SignedInGuest; guestId: number }> {
    t = await buildApiTestApp(ctx.db);
    const guest = await signIn(t, uniqueName('Maya'));
    const guestId = (await findAccountByUsername(ctx.db.kysely, guest.username))!.id;
    t.engine.addHost('RJ_plays');
    t.engine.addHost('hidden', 'private');
    return { t, guest, guestId };
  }

  const start = (guest: SignedInGuest, body: object) => postAs(guest, '/api/session/start', body);

  it('starts a follow and answers with the host as Last.fm spells it', async () => {
    const { t, guest, guestId } = await signedIn();
    const res = await t.app.inject(start(guest, { target_username: ' rj_PLAYS ' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ success: true, target_username: 'RJ_plays', state: 'active' });
    expect(t.engine.calls).toContainEqual(['startFollow', guestId]);
  });

  it('passes mirror_now_playing and catch_up_since to the engine', async () => {
    const { t, guest } = await signedIn();
    const since = t.clock.now() - 3_600_000;
    await t.app.inject(
      start(guest, {
        target_username: 'rj_plays',
        mirror_now_playing: true,
        catch_up_since: since,
      }),
    );
    const status = await t.app.inject(getAs(guest, '/api/session/status'));
    expect(status.json()).toMatchObject({ state: 'active', target_username: 'RJ_plays' });
    const history = await t.engine.history(
      (await findAccountByUsername(ctx.db.kysely, guest.username))!.id,
    );
    expect(history[0]?.windows[0]?.openedAt).toBe(since);
  });

  it('goes start → pause → resume → stop, answering each new state', async () => {
    const { t, guest } = await signedIn();
    await t.app.inject(start(guest, { target_username: 'rj_plays' }));
    for (const [action, state] of [
      ['pause', 'paused'],
      ['resume', 'active'],
      ['stop', 'stopped'],
    ] as const) {
      const res = await t.app.inject(postAs(guest, `/api/session/${action}`));
      expect(res.json(), action).toEqual({ success: true, state });
    }
  });

  it('answers 409 INVALID_STATE to a transition that does not fit', async () => {
    const { t, guest } = await signedIn();
    const conflict = async (action: string) => {
      const res = await t.app.inject(postAs(guest, `/api/session/${action}`));
      expect([res.statusCode, res.json().code], action).toEqual([409, 'INVALID_STATE']);
    };
    await conflict('pause'); // nothing to pause
    await conflict('stop'); // nothing to stop
    await t.app.inject(start(guest, { target_username: 'rj_plays' }));
    await conflict('resume'); // active
    await t.app.inject(postAs(guest, '/api/session/pause'));
    await conflict('pause'); // already paused
    await t.app.inject(postAs(guest, '/api/session/stop'));
    await conflict('stop'); // already stopped
    await conflict('resume');
  });

  it('refuses following yourself, whatever the case, without asking the engine', async () => {
    const { t, guest } = await signedIn();
    const res = await t.app.inject(start(guest, { target_username: guest.username.toUpperCase() }));
    expect([res.statusCode, res.json().code]).toEqual([400, 'TARGET_IS_SELF']);
    expect(t.engine.calls.map(([m]) => m)).not.toContain('startFollow');
  });

  it('maps a missing or private host to TARGET_NOT_FOUND and TARGET_PRIVATE', async () => {
    const { t, guest } = await signedIn();
    const missing = await t.app.inject(start(guest, { target_username: 'nobody_here' }));
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'TARGET_NOT_FOUND']);
    expect(missing.json().details).toBe('Last.fm has no user "nobody_here"');
    const hidden = await t.app.inject(start(guest, { target_username: 'hidden' }));
    expect([hidden.statusCode, hidden.json().code]).toEqual([403, 'TARGET_PRIVATE']);
  });

  it('maps every engine refusal and a Last.fm failure onto the API errors', async () => {
    const { t, guest } = await signedIn();
    const cases: Array<[EngineErrorCode | LastfmError, number, string]> = [
      ['TARGET_IS_SELF', 400, 'TARGET_IS_SELF'],
      ['INVALID_REQUEST', 400, 'INVALID_REQUEST'],
      ['INVALID_STATE', 409, 'INVALID_STATE'],
      ['RATE_LIMIT', 503, 'RATE_LIMIT'],
      ['LASTFM_ERROR', 502, 'LASTFM_ERROR'],
      ['AUTH_REQUIRED', 401, 'AUTH_REQUIRED'],
      [new LastfmError('user_not_found', 6, 'User not found', 404), 404, 'TARGET_NOT_FOUND'],
      [new LastfmError('retryable', 29, 'Rate limit exceeded', 429), 503, 'RATE_LIMIT'],
      [new LastfmError('fatal', 8, 'Operation failed', 500), 502, 'LASTFM_ERROR'],
    ];
    for (const [failure, status, code] of cases) {
      t.engine.failNext(
        'startFollow',
        typeof failure === 'string' ? new EngineError(failure, 'engine says no', 'why') : failure,
      );
      const res = await t.app.inject(start(guest, { target_username: 'rj_plays' }));
      expect([res.statusCode, res.json().code], String(failure)).toEqual([status, code]);
      if (code === 'RATE_LIMIT') expect(res.headers['retry-after']).toBe('60');
    }
  });

  it('refuses a start body that does not fit the contract', async () => {
    const { t, guest } = await signedIn();
    for (const body of [{}, { target_username: 'a b' }, { target_username: 'rj', extra: 1 }]) {
      const res = await t.app.inject(start(guest, body));
      expect([res.statusCode, res.json().code], JSON.stringify(body)).toEqual([
        400,
        'INVALID_REQUEST',
      ]);
    }
  });

  it('answers status not_started before any follow', async () => {
    const { t, guest } = await signedIn();
    const res = await t.app.inject(getAs(guest, '/api/session/status'));
    expect(res.json()).toEqual({
      state: 'not_started',
      follow_id: null,
      target_username: null,
      target_image_url: null,
      mirror_now_playing: false,
      scrobble_count: 0,
      counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
      recent_scrobbles: [],
      last_poll: null,
      now_playing: null,
      stop_reason: null,
      pause_reason: null,
      held_until: null,
      started_at: null,
      ended_at: null,
    });
  });

  it('maps the engine status onto the contract and sends nothing else', async () => {
    const { t, guest } = await signedIn();
    await t.app.inject(start(guest, { target_username: 'rj_plays' }));
    const track = { artist: 'Björk', track: 'Jóga', album: 'Homogenic', imageUrl: null };
    const extra: Partial<StatusView> & { sessionKey: string } = {
      targetImageUrl: 'https://lastfm.freetls.fastly.net/i/u/300x300/avatar.png',
      scrobbleCount: 2,
      counts: { pending: 0, mirrored: 2, ignored: 1, held: 1 },
      recentScrobbles: [
        {
          ...track,
          timestamp: 1767636000,
          status: 'mirrored',
          ignoredCode: 0,
          ignoredMessage: null,
        },
        {
          ...track,
          imageUrl: 'https://lastfm.freetls.fastly.net/i/u/300x300/a.jpg',
          timestamp: 1767636300,
          status: 'held',
          ignoredCode: null,
          ignoredMessage: null,
        },
        {
          ...track,
          timestamp: 1767635000,
          status: 'ignored',
          ignoredCode: 3,
          ignoredMessage: 'Timestamp was too old',
        },
      ],
      lastPollAt: t.clock.now() - 5_000,
      nowPlaying: track,
      heldUntil: t.clock.now() + 3_600_000,
      sessionKey: 'must-not-leak',
    };
    t.engine.statusExtra = extra;
    const res = await t.app.inject(getAs(guest, '/api/session/status'));
    const body = StatusResponse.parse(res.json());
    expect(body).toEqual({
      state: 'active',
      follow_id: expect.stringMatching(/^\d+$/),
      target_username: 'RJ_plays',
      target_image_url: 'https://lastfm.freetls.fastly.net/i/u/300x300/avatar.png',
      mirror_now_playing: false,
      // The mirrored count, whatever else the engine says.
      scrobble_count: 2,
      counts: { pending: 0, mirrored: 2, ignored: 1, held: 1 },
      recent_scrobbles: [
        {
          artist: 'Björk',
          track: 'Jóga',
          album: 'Homogenic',
          image_url: null,
          timestamp: 1767636000,
          status: 'mirrored',
          lastfm_code: 0,
          lastfm_message: null,
        },
        {
          artist: 'Björk',
          track: 'Jóga',
          album: 'Homogenic',
          image_url: 'https://lastfm.freetls.fastly.net/i/u/300x300/a.jpg',
          timestamp: 1767636300,
          status: 'held',
          lastfm_code: null,
          lastfm_message: null,
        },
        {
          artist: 'Björk',
          track: 'Jóga',
          album: 'Homogenic',
          image_url: null,
          timestamp: 1767635000,
          status: 'ignored',
          lastfm_code: 3,
          lastfm_message: 'Timestamp was too old',
        },
      ],
      last_poll: t.clock.now() - 5_000,
      now_playing: { artist: 'Björk', track: 'Jóga', album: 'Homogenic', image_url: null },
      stop_reason: null,
      pause_reason: null,
      held_until: t.clock.now() + 3_600_000,
      started_at: t.clock.now(),
      ended_at: null,
    });
    expect(res.body).not.toContain('must-not-leak');
  });

  it('shows why a follow is paused or stopped', async () => {
    const { t, guest } = await signedIn();
    await t.app.inject(start(guest, { target_username: 'rj_plays' }));
    await t.app.inject(postAs(guest, '/api/session/pause'));
    expect((await t.app.inject(getAs(guest, '/api/session/status'))).json()).toMatchObject({
      state: 'paused',
      pause_reason: 'user',
      stop_reason: null,
    });
    await t.clock.advance(60_000);
    await t.app.inject(postAs(guest, '/api/session/stop'));
    expect((await t.app.inject(getAs(guest, '/api/session/status'))).json()).toMatchObject({
      state: 'stopped',
      pause_reason: null,
      stop_reason: 'stopped_by_user',
      ended_at: t.clock.now(),
    });
  });

  it('previews a catch-up in the contract shape', async () => {
    const { t, guest } = await signedIn();
    t.engine.previewScrobbles = [
      {
        artist: 'Tame Impala',
        track: 'Elephant',
        album: 'Lonerism',
        imageUrl: null,
        timestamp: 1767630000,
        notAdded: null,
      },
      {
        artist: 'Tame Impala',
        track: 'Long name…',
        album: '',
        imageUrl: null,
        timestamp: 1767630300,
        notAdded: 'its artist, track or album name is too long to copy',
      },
    ];
    const since = t.clock.now() - 7_200_000;
    const res = await t.app.inject(
      getAs(guest, '/api/session/catch-up', { target_username: 'rj_plays', since: String(since) }),
    );
    expect(res.json()).toEqual({
      target_username: 'RJ_plays',
      since,
      scrobbles: [
        {
          artist: 'Tame Impala',
          track: 'Elephant',
          album: 'Lonerism',
          image_url: null,
          timestamp: 1767630000,
          not_added: null,
        },
        {
          artist: 'Tame Impala',
          track: 'Long name…',
          album: '',
          image_url: null,
          timestamp: 1767630300,
          not_added: 'its artist, track or album name is too long to copy',
        },
      ],
      total: 2,
      capped: false,
    });
  });

  it('answers catch-up errors: bad query, unknown, private, yourself', async () => {
    const { t, guest } = await signedIn();
    const ask = (query: Record<string, string>) =>
      t.app.inject(getAs(guest, '/api/session/catch-up', query));
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ target_username: 'rj_plays' }, 400, 'INVALID_REQUEST'],
      [{ target_username: 'rj_plays', since: 'yesterday' }, 400, 'INVALID_REQUEST'],
      [{ target_username: 'nobody_here', since: '0' }, 404, 'TARGET_NOT_FOUND'],
      [{ target_username: 'hidden', since: '0' }, 403, 'TARGET_PRIVATE'],
      [{ target_username: guest.username, since: '0' }, 400, 'TARGET_IS_SELF'],
    ];
    for (const [query, status, code] of cases) {
      const res = await ask(query);
      expect([res.statusCode, res.json().code], JSON.stringify(query)).toEqual([status, code]);
    }
  });

  it('needs a session for every follow route', async () => {
    t = await buildApiTestApp(ctx.db);
    const requests = [
      postAs(null, '/api/session/start', { target_username: 'rj_plays' }),
      postAs(null, '/api/session/pause'),
      postAs(null, '/api/session/resume'),
      postAs(null, '/api/session/stop'),
      getAs(null, '/api/session/status'),
      getAs(null, '/api/session/catch-up', { target_username: 'rj', since: '0' }),
    ];
    for (const request of requests) {
      const res = await t.app.inject(request);
      expect([res.statusCode, res.json().code], request.url).toEqual([401, 'AUTH_REQUIRED']);
    }
    expect(t.engine.calls).toEqual([]);
  });
});
