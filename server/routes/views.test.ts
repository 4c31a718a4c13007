import { describe, expect, it } from 'vitest';
import type { HistoryEntry, HistoryScrobble } from '../../engine/engine-api.js';
import { followBody, sentScrobbleBody } from './views.js';

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
