import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Scrobble } from '../lastfm/types.js';
import { at, win } from './test-support/factories.js';
import type {
  FollowRow as StoreFollowRow,
  HostRow as StoreHostRow,
  OutboxRow as StoreOutboxRow,
} from '../store/schema.js';
import type { EngineScrobble, FollowRow, HostRow, OutboxRow } from './types.js';
import { selectForFollow } from './decide/windows.js';

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

  it('take the store’s rows as they are (checked by the compiler)', () => {
    expectTypeOf<StoreFollowRow>().toExtend<FollowRow>();
    expectTypeOf<StoreHostRow>().toExtend<HostRow>();
    expectTypeOf<StoreOutboxRow>().toExtend<OutboxRow>();
  });
});
