import { describe, expect, it } from 'vitest';
import { delays, quantile, slowest, stallAfter, summary } from './stall.js';

describe('stallAfter', () => {
  it('runs from the restart to the next scrobble accepted for a guest that was waiting', () => {
    const s = stallAfter(100, [
      { guest: 'a', copies: [{ availableAt: 50, mirroredAt: 130 }], acceptedAt: [20, 130] },
      { guest: 'b', copies: [{ availableAt: 10, mirroredAt: 20 }], acceptedAt: [20, 110] },
    ]);
    // b had nothing waiting at 100, so its acceptance at 110 does not count.
    expect(s).toEqual({ from: 100, waitingFrom: 100, resumedAt: 130, stallMs: 30, allStallMs: 30 });
  });

  it('says how long the last of the waiting guests waited', () => {
    const s = stallAfter(100, [
      { guest: 'a', copies: [{ availableAt: 50, mirroredAt: 104 }], acceptedAt: [104] },
      { guest: 'b', copies: [{ availableAt: 60, mirroredAt: 220 }], acceptedAt: [220] },
    ]);
    expect(s).toMatchObject({ stallMs: 4, allStallMs: 120 });
  });

  it('starts when something first waited, if nothing did at the restart', () => {
    const s = stallAfter(100, [
      { guest: 'a', copies: [{ availableAt: 160, mirroredAt: 165 }], acceptedAt: [165] },
    ]);
    expect(s).toMatchObject({ waitingFrom: 160, stallMs: 5 });
  });

  it('says when mirroring never resumed, and when nothing ever waited', () => {
    expect(
      stallAfter(100, [
        { guest: 'a', copies: [{ availableAt: 90, mirroredAt: null }], acceptedAt: [] },
      ]),
    ).toMatchObject({ resumedAt: null, stallMs: null, allStallMs: null });
    expect(stallAfter(100, [{ guest: 'a', copies: [], acceptedAt: [] }])).toBeNull();
  });
});

describe('summary', () => {
  it('gives the median and the largest', () => {
    expect(summary([5, 1, 3])).toEqual({ median: 3, max: 5 });
    expect(summary([4, 1, 3, 2])).toEqual({ median: 2.5, max: 4 });
    expect(summary([])).toBeNull();
  });
});

describe('delays', () => {
  it('gives the nearest-rank quantiles of how long copies waited, leaving out those never sent', () => {
    const copies = [5, 1, 3, 2, 4].map((d) => ({ availableAt: 100, mirroredAt: 100 + d }));
    const d = delays([
      { guest: 'a', copies: [...copies, { availableAt: 0, mirroredAt: null }], acceptedAt: [] },
    ]);
    expect(d).toEqual({ p50Ms: 3, p95Ms: 5, maxMs: 5 });
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('slowest', () => {
  it('lists the copies that waited longest, longest first', () => {
    const copy = (track: string, waited: number) => ({
      availableAt: 0,
      mirroredAt: waited,
      track,
      timestamp: 1,
    });
    const flows = [
      { guest: 'a', copies: [copy('x', 5), copy('y', 50)], acceptedAt: [] },
      { guest: 'b', copies: [copy('z', 20), { availableAt: 0, mirroredAt: null }], acceptedAt: [] },
    ];
    expect(slowest(flows, 2)).toEqual([
      { guest: 'a', track: 'y', timestamp: 1, waitedMs: 50 },
      { guest: 'b', track: 'z', timestamp: 1, waitedMs: 20 },
    ]);
  });
});
