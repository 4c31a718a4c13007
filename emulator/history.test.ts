import { describe, expect, it } from 'vitest';
import { History } from './history.js';

function filled(timestamps: number[]): History {
  const h = new History();
  for (const t of timestamps)
    h.add({ artist: 'A', track: `T${t}`, album: '', timestamp: t, source: 'test' });
  return h;
}

const range = { fromInclusive: true, toInclusive: false };

describe('History', () => {
  it('keeps scrobbles sorted newest first whatever the insertion order', () => {
    const h = filled([30, 10, 50, 20, 40]);
    expect(h.all().map((r) => r.timestamp)).toEqual([50, 40, 30, 20, 10]);
  });

  it('stores the same (artist, track, timestamp) once', () => {
    const h = new History();
    const row = { artist: 'A', track: 'T', album: '', timestamp: 5, source: 'x' };
    expect(h.add(row)).toBe(true);
    expect(h.add({ ...row, album: 'other' })).toBe(false);
    expect(h.add({ ...row, timestamp: 6 })).toBe(true);
    expect(h.size).toBe(2);
    expect(h.has('A', 'T', 5)).toBe(true);
  });

  it('filters from inclusive and to exclusive by default, and the other way when asked', () => {
    const h = filled([10, 20, 30, 40]);
    const ts = (q: Parameters<History['page']>[0]) => h.page(q, 1, 50).rows.map((r) => r.timestamp);
    expect(ts({ ...range, from: 20, to: 40 })).toEqual([30, 20]);
    expect(ts({ from: 20, to: 40, fromInclusive: false, toInclusive: true })).toEqual([40, 30]);
    expect(h.page({ ...range, from: 20 }, 1, 50).total).toBe(3);
  });

  it('pages newest first and returns nothing past the last page', () => {
    const h = filled([1, 2, 3, 4, 5]);
    expect(h.page(range, 1, 2).rows.map((r) => r.timestamp)).toEqual([5, 4]);
    expect(h.page(range, 3, 2).rows.map((r) => r.timestamp)).toEqual([1]);
    expect(h.page(range, 4, 2)).toEqual({ rows: [], total: 5 });
  });

  it('reads a later arrival with an equal timestamp as newer', () => {
    const h = new History();
    h.add({ artist: 'A', track: 'first', album: '', timestamp: 7, source: 'x' });
    h.add({ artist: 'A', track: 'later', album: '', timestamp: 9, source: 'x' });
    h.add({ artist: 'A', track: 'second', album: '', timestamp: 7, source: 'x' });
    expect(h.all().map((r) => r.track)).toEqual(['later', 'second', 'first']);
  });
});
