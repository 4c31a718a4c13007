import { describe, expect, it } from 'vitest';
import type { Song } from './plan.js';
import { leadAt, leadTakes, newTruth, playingAt, type HostTruth } from './truth.js';

const song = (track: string, durationMs = 10_000): Song => ({
  artist: 'Björk',
  track,
  album: '',
  durationMs,
});

/** A host who set `songs` playing at the given epoch ms (requests of 5 ms), scrobbling each. */
function host(plays: [Song, number, boolean?][]): HostTruth {
  const truth = newTruth('h');
  for (const [s, at, scrobbled = true] of plays) {
    const index = truth.plays.length;
    truth.plays.push({
      song: s,
      set: { fromMs: at, toMs: at + 5 },
      timestamp: Math.floor(at / 1000),
      scrobbled,
    });
    truth.np.push({ kind: 'set', play: index, fromMs: at, toMs: at + 5 });
  }
  return truth;
}

describe('playingAt', () => {
  it('is the play whose now-playing entry was set last, until it lapses after its length', () => {
    const t = host([
      [song('A'), 100_000],
      [song('B'), 110_000],
    ]);
    expect(playingAt(t, 105_000)).toBe(0);
    expect(playingAt(t, 115_000)).toBe(1);
    expect(playingAt(t, 121_000)).toBeNull();
  });

  it('ends when a scrobble of the same track lands (any case), as Last.fm does', () => {
    const t = host([[song('A'), 100_000]]);
    t.posted.push({
      artist: 'BJÖRK',
      track: 'a',
      album: '',
      timestamp: 90,
      play: 0,
      fromMs: 103_000,
      toMs: 103_004,
    });
    expect(playingAt(t, 102_000)).toBe(0);
    expect(playingAt(t, 104_000)).toBeNull();
  });
});

describe('leadTakes', () => {
  it('follows the engine: half the length when known, 15 s when not, whichever Lasso had', () => {
    // 10 s track: half is 5 s; without its length Lasso assumes 15 s played.
    expect(leadTakes(100, 10_000, 104_900)).toBe('must');
    expect(leadTakes(100, 10_000, 105_000)).toBe('may');
    expect(leadTakes(100, 10_000, 114_900)).toBe('may');
    expect(leadTakes(100, 10_000, 115_000)).toBe('never');
    // 40 s track: 15 s is sure either way; from half of it (20 s) never.
    expect(leadTakes(100, 40_000, 114_900)).toBe('must');
    expect(leadTakes(100, 40_000, 119_900)).toBe('may');
    expect(leadTakes(100, 40_000, 120_000)).toBe('never');
    // Half of a long track is capped at 4 minutes, as Last.fm's rule is.
    expect(leadTakes(100, 600_000, 100_000 + 240_000)).toBe('never');
  });
});

describe('leadAt', () => {
  it('takes the play on at the opening at once when it started less than half its length before', () => {
    const t = host([[song('A'), 100_000]]);
    expect(leadAt(t, 103_000, 103_100)).toEqual({ kind: 'play', play: 0, takes: 'must' });
  });

  it('leaves it to what Lasso knew of the length past half of it, and never past both', () => {
    const t = host([[song('A'), 100_000]]);
    expect(leadAt(t, 107_000, 107_100)).toEqual({ kind: 'play', play: 0, takes: 'may' });
    const long = host([[song('A', 40_000), 100_000]]);
    expect(leadAt(long, 125_000, 125_100)).toEqual({ kind: 'play', play: 0, takes: 'never' });
  });

  it('is ambiguous on a repeat: the first play may be taken for the second without the length', () => {
    const t = host([
      [song('A', 6_000), 100_000],
      [song('A', 6_000), 106_000],
    ]);
    expect(leadAt(t, 108_000, 108_100)).toEqual({ kind: 'ambiguous', plays: [0, 1] });
    // Once the first play started 15 s or more before the opening, it cannot be taken.
    const slow = host([
      [song('A', 20_000), 100_000],
      [song('A', 20_000), 120_000],
    ]);
    expect(leadAt(slow, 122_000, 122_100)).toEqual({ kind: 'play', play: 1, takes: 'must' });
  });

  it('is ambiguous when the entry changed while Lasso read the host: either play may be it', () => {
    const t = host([
      [song('A'), 100_000],
      [song('B'), 110_000],
    ]);
    expect(leadAt(t, 109_900, 110_050)).toEqual({ kind: 'ambiguous', plays: [0, 1] });
    // A slow request: read during A, window opened during B, more than a second later.
    expect(leadAt(t, 108_500, 111_400)).toEqual({ kind: 'ambiguous', plays: [0, 1] });
    expect(leadAt(t, 109_000, 109_300).kind).toBe('play');
  });

  it('has none when nothing plays or the play was skipped before it counted', () => {
    expect(leadAt(host([]), 1000, 1100)).toEqual({ kind: 'none' });
    expect(leadAt(host([[song('A'), 100_000, false]]), 102_000, 102_100)).toEqual({
      kind: 'none',
    });
  });
});
