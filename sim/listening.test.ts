import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/random.js';
import {
  hostChanges,
  isScrobbled,
  realisticPlays,
  songLibrary,
  type Play,
  type Song,
} from './listening.js';

const T = Date.UTC(2026, 0, 5, 18, 0, 0);
const song = (durationS: number, track = 'T'): Song => ({
  artist: 'A',
  track,
  album: '',
  durationS,
});
const play = (s: Song, startMs: number, playedS: number, lateS = 0): Play => ({
  song: s,
  startMs,
  playedS,
  lateS,
});

describe('isScrobbled', () => {
  it('counts a track over 30 s played for half its length', () => {
    expect(isScrobbled(play(song(200), T, 100))).toBe(true);
    expect(isScrobbled(play(song(200), T, 99))).toBe(false);
  });

  it('counts a long track after 4 minutes however long it is', () => {
    expect(isScrobbled(play(song(600), T, 240))).toBe(true);
    expect(isScrobbled(play(song(600), T, 239))).toBe(false);
  });

  it('never counts a track of 30 s or less', () => {
    expect(isScrobbled(play(song(30), T, 30))).toBe(false);
  });
});

describe('hostChanges', () => {
  it('lands a scrobble with its start time when the track ends, before the next track plays', () => {
    const a = song(100, 'a');
    const b = song(100, 'b');
    const changes = hostChanges('h', [play(a, T, 100), play(b, T + 100_000, 100, 60)]);
    expect(changes.map((c) => [c.at - T, c.change.kind])).toEqual([
      [0, 'now-playing'],
      [100_000, 'scrobble'],
      [100_000, 'now-playing'],
      [200_000, 'clear-now-playing'],
      [260_000, 'scrobble'],
    ]);
    const late = changes.at(-1)?.change;
    expect(late?.kind === 'scrobble' && late.scrobble.timestamp).toBe((T + 100_000) / 1000);
  });

  it('makes no scrobble for a track skipped early', () => {
    const changes = hostChanges('h', [play(song(200), T, 20), play(song(200), T + 20_000, 200)]);
    expect(changes.filter((c) => c.change.kind === 'scrobble')).toHaveLength(1);
  });
});

describe('realisticPlays', () => {
  it('plays back to back on whole seconds, silent during breaks, skipping about the asked share', () => {
    const random = seededRandom(3);
    const songs = songLibrary(random, 40, 120, 420);
    const brk = [T + 3_600_000, 900_000] as const;
    const plays = realisticPlays(random, {
      startMs: T,
      endMs: T + 4 * 3_600_000,
      songs,
      skipRate: 0.2,
      breaks: [brk],
    });
    for (const [i, p] of plays.entries()) {
      expect(p.startMs % 1000).toBe(0);
      const next = plays[i + 1];
      if (next) expect(next.startMs).toBeGreaterThanOrEqual(p.startMs + p.playedS * 1000);
      const end = p.startMs + p.playedS * 1000;
      expect(end <= brk[0] || p.startMs >= brk[0] + brk[1]).toBe(true);
    }
    const skipped = plays.filter((p) => p.playedS < p.song.durationS).length / plays.length;
    expect(skipped).toBeGreaterThan(0.08);
    expect(skipped).toBeLessThan(0.35);
  });
});
