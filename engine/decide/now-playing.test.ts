import { describe, expect, it } from 'vitest';
import {
  nowPlayingChanged,
  nowPlayingFanout,
  nowPlayingInput,
  nowPlayingKey,
  toNowPlayingRow,
} from './now-playing.js';
import { followRow } from '../test-support/factories.js';

const jóga = { artist: 'Björk', track: 'Jóga', album: 'Homogenic', image_url: null };

describe('now-playing identity', () => {
  it('keys a track by folded artist and track, and nothing playing as null', () => {
    expect(nowPlayingKey({ artist: ' BJÖRK ', track: 'jóga' })).toBe(nowPlayingKey(jóga));
    expect(nowPlayingKey(null)).toBeNull();
  });

  it('sees a change when the track differs, appears or goes away, not on case or album', () => {
    expect(nowPlayingChanged(jóga, { ...jóga, track: 'Hunter' })).toBe(true);
    expect(nowPlayingChanged(null, jóga)).toBe(true);
    expect(nowPlayingChanged(jóga, null)).toBe(true);
    expect(nowPlayingChanged(null, null)).toBe(false);
    const live = { ...jóga, track: 'JÓGA', album: 'Live' };
    expect(nowPlayingChanged(jóga, live)).toBe(false);
  });

  it('stores the client’s now-playing as a row', () => {
    const np = {
      artist: 'Björk',
      track: 'Jóga',
      album: 'Homogenic',
      mbid: '',
      imageUrl: 'https://i/x.png',
    };
    expect(toNowPlayingRow(np)).toEqual({ ...jóga, image_url: 'https://i/x.png' });
    expect(toNowPlayingRow(null)).toBeNull();
  });

  it('builds the updateNowPlaying item with album and whole-second duration when known', () => {
    expect(nowPlayingInput(jóga, 305_400)).toEqual({
      artist: 'Björk',
      track: 'Jóga',
      album: 'Homogenic',
      duration: 305,
    });
    expect(nowPlayingInput({ ...jóga, album: '' }, null)).toEqual({
      artist: 'Björk',
      track: 'Jóga',
    });
    expect(nowPlayingInput(jóga, 0)).not.toHaveProperty('duration');
  });
});

describe('nowPlayingFanout', () => {
  const optedIn = followRow({ id: 1 });
  const optedOut = followRow({ id: 2, mirror_now_playing: false });
  const paused = followRow({ id: 3, state: 'paused', pause_reason: 'user' });

  it('updates opted-in active guests and tells every active guest', () => {
    const out = nowPlayingFanout([optedIn, optedOut, paused], jóga, true);
    expect(out.update).toEqual([1]);
    expect(out.events).toEqual([
      { type: 'now_playing', follow_id: 1, now_playing: jóga },
      { type: 'now_playing', follow_id: 2, now_playing: jóga },
    ]);
  });

  it('only tells guests when the host goes quiet: Last.fm cannot clear a now-playing', () => {
    const out = nowPlayingFanout([optedIn], null, true);
    expect(out.update).toEqual([]);
    expect(out.events).toEqual([{ type: 'now_playing', follow_id: 1, now_playing: null }]);
  });

  it('does nothing when nothing changed', () => {
    expect(nowPlayingFanout([optedIn], jóga, false)).toEqual({ update: [], events: [] });
  });
});
