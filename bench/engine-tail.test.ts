import { describe, expect, it } from 'vitest';
import { SECOND_MS } from '../lib/clock.js';
import { delayTail, tailCauses } from './engine-tail.js';
import { scrobbleOf, type Play, type Song } from '../sim/listening.js';
import { scrobbleKey } from '../sim/oracle.js';

const T = Date.UTC(2026, 0, 5, 18, 0, 0);
const song = (n: number, durationS: number): Song => ({
  artist: 'A',
  track: `t${n}`,
  album: '',
  durationS,
});

/** Plays back to back from T; `played` below the song's length is a skip. */
function playlist(items: Array<[Song, number]>, gapAfter: Record<number, number> = {}): Play[] {
  let t = T;
  return items.map(([s, playedS], i) => {
    const play = { song: s, startMs: t, playedS, lateS: 0 };
    t += playedS * SECOND_MS + (gapAfter[i] ?? 0) * SECOND_MS;
    return play;
  });
}

const key = (p: Play): string => scrobbleKey(scrobbleOf(p));

describe('tailCauses', () => {
  it('names a late skip, the play after any skip, and plain plays; early skips make no scrobble', () => {
    const plays = playlist([
      [song(0, 200), 200], // plain
      [song(1, 200), 150], // skipped after its scrobble point (100 s)
      [song(2, 200), 200], // after a late skip
      [song(3, 300), 60], // skipped early: no scrobble
      [song(4, 200), 200], // after an early skip
      [song(5, 200), 200], // plain
    ]);
    const causes = tailCauses(plays);
    expect(plays.map((p) => causes.get(key(p)) ?? null)).toEqual([
      'other',
      'late_skip',
      'after_skip',
      null,
      'after_skip',
      'other',
    ]);
  });

  it('does not blame a skip before a silence on the first play after it', () => {
    const plays = playlist(
      [
        [song(0, 300), 100],
        [song(1, 200), 200],
      ],
      { 0: 600 },
    );
    expect(tailCauses(plays).get(key(plays[1]!))).toBe('other');
  });
});

describe('delayTail', () => {
  it('counts only copies slower than 60 s, each guest’s copy once, by cause', () => {
    const plays = playlist([
      [song(0, 200), 200],
      [song(1, 200), 150],
      [song(2, 200), 200],
    ]);
    const [plain, late, after] = plays.map(key) as [string, string, string];
    const delays = [
      { key: plain, ms: 4_000 },
      { key: late, ms: 61_000 },
      { key: late, ms: 60_000 },
      { key: after, ms: 90_000 },
      { key: after, ms: 95_000 },
      { key: 'not a host scrobble', ms: 120_000 },
    ];
    expect(delayTail(delays, plays)).toEqual({ late_skip: 1, after_skip: 2, other: 1 });
  });
});
