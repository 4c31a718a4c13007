import { describe, expect, it } from 'vitest';
import {
  compareLibrary,
  expectation,
  expectedScrobbles,
  inSimWindow,
  isExact,
  leadCertainty,
  leadPlay,
} from './oracle.js';

const T = 1_767_636_000; // 2026-01-05 18:00 UTC in s
const s = (dt: number, track = 'T') => ({ artist: 'A', track, album: 'X', timestamp: T + dt });

describe('inSimWindow', () => {
  it('takes the opening millisecond and leaves out the closing one', () => {
    const w = { openedAt: (T + 10) * 1000, closedAt: (T + 20) * 1000 };
    expect(inSimWindow(T + 10, w)).toBe(true);
    expect(inSimWindow(T + 19, w)).toBe(true);
    expect(inSimWindow(T + 20, w)).toBe(false);
    expect(inSimWindow(T + 9, w)).toBe(false);
  });

  it('leaves out a track that started in the same second but before the window opened', () => {
    expect(inSimWindow(T + 10, { openedAt: (T + 10) * 1000 + 400, closedAt: null })).toBe(false);
  });
});

describe('expectedScrobbles and compareLibrary', () => {
  const hostScrobbles = new Map([['h', [s(0), s(100), s(200, 'again'), s(300)]]]);
  const follows = [
    {
      host: 'h',
      windows: [
        { openedAt: (T + 50) * 1000, closedAt: (T + 150) * 1000 },
        { openedAt: (T + 250) * 1000, closedAt: null },
      ],
    },
  ];

  it('expects the host scrobbles inside any window of the follow', () => {
    expect(expectedScrobbles(follows, hostScrobbles)).toEqual([s(100), s(300)]);
  });

  it('expects a scrobble in the windows of two follows once', () => {
    const overlapping = [
      { host: 'h', windows: [{ openedAt: (T + 50) * 1000, closedAt: (T + 150) * 1000 }] },
      { host: 'h', windows: [{ openedAt: (T + 90) * 1000, closedAt: null }] },
    ];
    expect(expectedScrobbles(overlapping, hostScrobbles)).toEqual([
      s(100),
      s(200, 'again'),
      s(300),
    ]);
  });

  it('finds nothing wrong with an exact library', () => {
    const c = compareLibrary([s(100), s(300)], [s(300), s(100)]);
    expect(isExact(c)).toBe(true);
    expect(c.mirrored).toBe(2);
  });

  it('reports missing rows, rows outside every window, repeats and album changes', () => {
    const c = compareLibrary([s(100), s(300)], [s(0), s(100), s(100), { ...s(300), album: '' }]);
    expect(c.missing).toEqual([]);
    expect(c.outsideWindow).toEqual([s(0)]);
    expect(c.duplicateRows).toEqual([s(100)]);
    expect(c.albumMismatch).toHaveLength(1);
    expect(compareLibrary([s(100)], []).missing).toEqual([s(100)]);
    expect(isExact(c)).toBe(false);
  });
});

describe('leads: the play going on when a window opens', () => {
  const song = (track: string, durationS = 200) => ({ artist: 'A', track, album: 'X', durationS });
  const play = (track: string, startS: number, playedS = 200, durationS = 200) => ({
    song: song(track, durationS),
    startMs: (T + startS) * 1000,
    playedS,
    lateS: 0,
  });
  const truth = (plays: ReturnType<typeof play>[], appeared: Array<[string, number]> = []) => ({
    plays,
    appearedAt: new Map(appeared.map(([k, at]) => [k, (T + at) * 1000])),
  });
  const key = (track: string, startS: number) => `${T + startS}\u0000A\u0000${track}`;

  it('is the scrobbled play started before the opening and not over yet', () => {
    const t = truth([play('P', 0), play('Q', 200, 50), play('R', 250)]);
    expect(leadPlay(t, (T + 100) * 1000)?.song.track).toBe('P');
    expect(leadPlay(t, (T + 200) * 1000)).toBeNull(); // Q starts then: in the window itself
    expect(leadPlay(t, (T + 220) * 1000)).toBeNull(); // Q is skipped before its scrobble point
    expect(leadPlay(t, (T + 450) * 1000)).toBeNull(); // silence
  });

  it('is not a play Last.fm stopped showing because a scrobble of the same track landed', () => {
    const t = truth([play('P', 0), play('P', 200)], [[key('P', 0), 230]]);
    expect(leadPlay(t, (T + 220) * 1000)?.startMs).toBe((T + 200) * 1000);
    expect(leadPlay(t, (T + 230) * 1000)).toBeNull();
  });

  it('adds each window’s lead once, and none to a catch-up window', () => {
    const t = new Map([['h', truth([play('P', 0), play('Q', 200)])]]);
    const scrobbles = new Map([['h', [s(0, 'P'), s(200, 'Q')]]]);
    const windows = [
      { openedAt: (T + 5) * 1000, closedAt: (T + 6) * 1000 },
      { openedAt: (T + 7) * 1000, closedAt: (T + 8) * 1000 },
      { openedAt: (T + 250) * 1000, closedAt: null, catchUp: true },
    ];
    expect(expectedScrobbles([{ host: 'h', windows }], scrobbles, t)).toEqual([s(0, 'P')]);
    expect(expectedScrobbles([{ host: 'h', windows }], scrobbles)).toEqual([]);
  });

  it('requires a joining track only when Lasso can be sure it was the play on', () => {
    // 200 s: scrobbled plays last at least 100 s; any lasts at least 15 s.
    const p = play('P', 0);
    expect(leadCertainty(p, (T + 14) * 1000)).toBe('must');
    expect(leadCertainty(p, (T + 15) * 1000)).toBe('may');
    expect(leadCertainty(p, (T + 99) * 1000)).toBe('may');
    expect(leadCertainty(p, (T + 100) * 1000)).toBe('never');
    const t = new Map([['h', truth([p])]]);
    const scrobbles = new Map([['h', [s(0, 'P')]]]);
    const at = (sec: number) => [
      { host: 'h', windows: [{ openedAt: (T + sec) * 1000, closedAt: null }] },
    ];
    expect(expectation(at(50), scrobbles, t)).toEqual({ required: [], optional: [s(0, 'P')] });
    expect(expectation(at(150), scrobbles, t)).toEqual({ required: [], optional: [] });
    // Optional: neither missing when absent nor outside when present.
    expect(isExact(compareLibrary([], [s(0, 'P')], [s(0, 'P')]))).toBe(true);
    expect(isExact(compareLibrary([], [], [s(0, 'P')]))).toBe(true);
    expect(compareLibrary([], [s(0, 'P')]).outsideWindow).toEqual([s(0, 'P')]);
  });
});
