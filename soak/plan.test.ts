import { describe, expect, it } from 'vitest';
import {
  alignedStart,
  catalogue,
  changeTimes,
  planHost,
  planKills,
  playScrobbles,
  POISON_SONGS,
  segmentEnd,
  type PlannedPlay,
} from './plan.js';

const songs = catalogue(1, 4, 15);
const plan = (extra = {}) =>
  planHost({
    seed: 1,
    songs,
    horizonMs: 10 * 60_000,
    skipRate: 0.15,
    repeatRate: 0.1,
    lateRate: 0.15,
    lateMs: [3000, 30_000],
    openWithEveryCase: true,
    ...extra,
  });

describe('planHost', () => {
  it('plays back to back up to the horizon, the same plan from the same seed', () => {
    const segments = plan();
    for (const [i, s] of segments.entries()) {
      if (i > 0) expect(s.startMs).toBe(segmentEnd(segments[i - 1]!));
    }
    expect(segmentEnd(segments.at(-1)!)).toBeGreaterThanOrEqual(10 * 60_000);
    expect(plan()).toEqual(segments);
  });

  it('opens with every case: skips with and without a scrobble, a repeat, a late scrobble', () => {
    const first = plan().slice(0, 6) as PlannedPlay[];
    expect(first.map((p) => [p.scrobbled, p.tags])).toEqual([
      [true, []],
      [false, ['skip']],
      [true, ['skip']],
      [true, []],
      [true, ['repeat']],
      [true, ['late']],
    ]);
    expect(first[4]!.song).toBe(first[3]!.song);
    expect(first[5]!.lateMs).toBeGreaterThanOrEqual(3000);
  });

  it('plays each poison song once after its moment, and the break where asked', () => {
    const poison = POISON_SONGS.map((s, i) => ({
      song: { ...s, durationMs: 8000 },
      atMs: 60_000 * (i + 1),
    }));
    const segments = plan({ poison, pause: { atMs: 200_000, lengthMs: 30_000 } });
    const poisoned = segments.filter((s) => s.kind === 'play' && s.song.poison);
    expect(poisoned.map((s) => s.kind === 'play' && s.song.poison)).toEqual(['nul', 'long']);
    expect(poisoned[0]!.startMs).toBeGreaterThanOrEqual(60_000);
    expect(segments.filter((s) => s.kind === 'silence')).toEqual([
      { kind: 'silence', startMs: expect.any(Number), lengthMs: 30_000 },
    ]);
  });
});

describe('playScrobbles', () => {
  it('counts a play of half the song or more (Last.fm rule, compressed)', () => {
    expect(playScrobbles(10_000, 5_000)).toBe(true);
    expect(playScrobbles(10_000, 4_999)).toBe(false);
  });
});

describe('alignedStart', () => {
  it('picks a moment early in a track and clear of every change at Last.fm', () => {
    const segments = plan();
    const changes = changeTimes(segments);
    for (const desired of [0, 30_000, 95_000, 240_000]) {
      const t = alignedStart(segments, desired);
      expect(t).toBeGreaterThanOrEqual(desired);
      const seg = segments.find((s) => s.startMs <= t && t < segmentEnd(s))!;
      if (seg.kind === 'play')
        expect(t - seg.startMs).toBeLessThanOrEqual(Math.max(900, seg.song.durationMs / 4));
      expect(changes.every((c) => Math.abs(c - t) >= 1200)).toBe(true);
    }
  });
});

describe('planKills', () => {
  it('spreads the kills over the middle of the run, sorted', () => {
    const kills = planKills(7, 20, 60_000);
    expect(kills).toHaveLength(20);
    expect(kills).toEqual([...kills].sort((a, b) => a - b));
    expect(kills.every((k) => k >= 3000 && k <= 0.92 * 60_000)).toBe(true);
  });
});
