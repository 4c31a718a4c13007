import { describe, expect, it } from 'vitest';
import { compareLibrary, expectedScrobbles, inSimWindow, isExact } from './oracle.js';

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
