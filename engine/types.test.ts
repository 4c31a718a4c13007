import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Scrobble } from '../lastfm/types.js';
import { at, win } from './test-factories.js';
import type { EngineScrobble } from './types.js';
import { selectForFollow } from './windows.js';

describe('engine types', () => {
  it('take the Last.fm client’s scrobbles as they are', () => {
    expectTypeOf<Scrobble>().toExtend<EngineScrobble>();
    const s: Scrobble = {
      artist: 'Björk',
      track: 'Jóga',
      album: '',
      timestamp: Math.floor(at(1).getTime() / 1000),
      mbid: '',
      imageUrl: null,
    };
    const selected: Scrobble[] = selectForFollow([s], [win(at(0))]).scrobbles;
    expect(selected).toEqual([s]);
  });
});
