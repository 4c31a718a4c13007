import { describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryScrobble, StatusView } from '../../engine/engine-api.js';
import { exportBody, followBody, lastfmAnswer, sentScrobbleBody, statusBody } from './views.js';

const entry: HistoryEntry = {
  followId: 12,
  targetUsername: 'rj_plays',
  state: 'stopped',
  startedAt: 1_000,
  stoppedAt: 9_000,
  stopReason: 'jam_ended',
  mirroredCount: 5,
  ignoredCount: 1,
  pendingCount: 2,
  windows: [{ openedAt: 1_000, closedAt: 9_000 }],
};

describe('followBody', () => {
  it('counts pending rows as held only while the daily-limit hold lasts', () => {
    const extras = { pauseReason: null, mirrorNowPlaying: true, heldUntil: 5_000 };
    expect(followBody(entry, extras, 4_999).counts).toEqual({
      pending: 0,
      held: 2,
      mirrored: 5,
      ignored: 1,
    });
    expect(followBody(entry, extras, 5_000).counts).toEqual({
      pending: 2,
      held: 0,
      mirrored: 5,
      ignored: 1,
    });
  });

  it('falls back to no pause reason and no now-playing when the follow row is unknown', () => {
    expect(followBody(entry, undefined, 0)).toEqual({
      id: '12',
      target_username: 'rj_plays',
      state: 'stopped',
      started_at: 1_000,
      ended_at: 9_000,
      stop_reason: 'jam_ended',
      pause_reason: null,
      mirror_now_playing: false,
      windows: [{ started_at: 1_000, ended_at: 9_000 }],
      counts: { pending: 2, held: 0, mirrored: 5, ignored: 1 },
    });
  });
});

describe('sentScrobbleBody', () => {
  const row: HistoryScrobble = {
    artist: 'a',
    track: 't',
    album: '',
    imageUrl: null,
    timestamp: 100,
    status: 'pending',
    ignoredCode: null,
    ignoredMessage: null,
    attempts: 2,
    settledAt: null,
  };

  it('says 0 for an accepted scrobble, the code for an ignored one, null before an answer', () => {
    expect(sentScrobbleBody({ ...row, status: 'mirrored', settledAt: 7 })).toMatchObject({
      lastfm_code: 0,
      sent_at: 7,
    });
    expect(
      sentScrobbleBody({ ...row, status: 'ignored', ignoredCode: -1, ignoredMessage: 'gave up' }),
    ).toMatchObject({ lastfm_code: -1, lastfm_message: 'gave up' });
    expect(sentScrobbleBody({ ...row, status: 'held', ignoredMessage: 'stale' })).toMatchObject({
      lastfm_code: null,
      lastfm_message: null,
      sent_at: null,
    });
  });
});

describe('lastfmAnswer', () => {
  it('says nothing before an answer, even with a stale code or message', () => {
    expect(lastfmAnswer('pending', 11, 'try later')).toEqual({
      lastfm_code: null,
      lastfm_message: null,
    });
    expect(lastfmAnswer('held', 5, 'limit')).toEqual({ lastfm_code: null, lastfm_message: null });
    expect(lastfmAnswer('mirrored', null, null)).toEqual({ lastfm_code: 0, lastfm_message: null });
    expect(lastfmAnswer('ignored', -2, 'own scrobble')).toEqual({
      lastfm_code: -2,
      lastfm_message: 'own scrobble',
    });
  });
});

describe('statusBody', () => {
  const view: StatusView = {
    state: 'stopped',
    followId: 12,
    targetUsername: 'rj_plays',
    targetImageUrl: 'https://lastfm.freetls.fastly.net/i/u/300x300/x.png',
    mirrorNowPlaying: true,
    scrobbleCount: 99,
    counts: { pending: 1, mirrored: 4, ignored: 2, held: 3 },
    recentScrobbles: [],
    lastPollAt: 5,
    nowPlaying: null,
    stopReason: 'jam_ended',
    pauseReason: null,
    heldUntil: null,
    startedAt: 1_000,
    stoppedAt: 9_000,
  };

  it('maps the follow, its counts and its end; scrobble_count is the mirrored count', () => {
    expect(statusBody(view)).toMatchObject({
      follow_id: '12',
      target_image_url: 'https://lastfm.freetls.fastly.net/i/u/300x300/x.png',
      mirror_now_playing: true,
      scrobble_count: 4,
      counts: { pending: 1, mirrored: 4, ignored: 2, held: 3 },
      started_at: 1_000,
      ended_at: 9_000,
    });
  });
});

describe('exportBody', () => {
  it('puts every follow with its extras and scrobbles under the export time', () => {
    const body = exportBody(
      'maya',
      {
        follows: [
          {
            entry,
            pauseReason: null,
            mirrorNowPlaying: true,
            heldUntil: null,
            scrobbles: [
              {
                artist: 'a',
                track: 't',
                album: '',
                imageUrl: null,
                timestamp: 100,
                status: 'mirrored',
                ignoredCode: null,
                ignoredMessage: null,
                attempts: 1,
                settledAt: 200,
              },
            ],
          },
        ],
      },
      42,
    );
    expect(body).toMatchObject({ exported_at: 42, username: 'maya' });
    expect(body.follows[0]).toMatchObject({ id: '12', mirror_now_playing: true });
    expect(body.follows[0]!.scrobbles).toEqual([
      {
        artist: 'a',
        track: 't',
        album: '',
        image_url: null,
        timestamp: 100,
        status: 'mirrored',
        sent_at: 200,
        lastfm_code: 0,
        lastfm_message: null,
      },
    ]);
  });
});
