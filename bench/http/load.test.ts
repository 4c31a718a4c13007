import { describe, expect, it } from 'vitest';
import { combineFigures, type LoadFigures } from './load.js';

function slice(over: Partial<LoadFigures>): LoadFigures {
  return {
    url: 'http://127.0.0.1:1/api/session/status',
    requestsPerSecMean: 0,
    latencyP50Ms: 2,
    latencyP90Ms: 4,
    latencyP99Ms: 8,
    latencyMaxMs: 20,
    latencyMeanMs: 2,
    requestsTotal: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    serverCores: 1,
    clientCores: 0.5,
    serverRssMb: 100,
    serverPeakRssMb: 110,
    serverLoopDelay: { p50Ms: 1, p99Ms: 5, maxMs: 9 },
    clientLoopDelay: { p50Ms: 1, p99Ms: 2, maxMs: 3 },
    wallS: 2,
    ...over,
  };
}

describe('combineFigures', () => {
  it('adds slices up over their summed wall time, keeping the worst tail', () => {
    const fast = slice({
      requestsTotal: 30_000,
      wallS: 2,
      serverCores: 1,
      latencyMeanMs: 1,
      latencyP99Ms: 5,
      serverPeakRssMb: 300,
      non2xx: 1,
    });
    const slow = slice({
      requestsTotal: 10_000,
      wallS: 2,
      serverCores: 0.5,
      latencyMeanMs: 5,
      latencyP99Ms: 40,
      serverRssMb: 120,
      errors: 2,
      serverLoopDelay: { p50Ms: 3, p99Ms: 50, maxMs: 70 },
    });
    const all = combineFigures([fast, slow]);
    expect(all.requestsTotal).toBe(40_000);
    expect(all.requestsPerSecMean).toBe(10_000);
    expect(all.wallS).toBe(4);
    expect(all.serverCores).toBeCloseTo(0.75);
    // Weighted by requests: (1 × 30k + 5 × 10k) / 40k.
    expect(all.latencyMeanMs).toBeCloseTo(2);
    expect(all.latencyP99Ms).toBe(40);
    expect(all.serverPeakRssMb).toBe(300);
    expect(all.serverRssMb).toBe(120);
    expect([all.non2xx, all.errors]).toEqual([1, 2]);
    expect(all.serverLoopDelay).toEqual({ p50Ms: 2, p99Ms: 50, maxMs: 70 });
  });

  it('is the slice itself for one slice, and refuses none', () => {
    const one = slice({ requestsTotal: 5000, wallS: 2, requestsPerSecMean: 2500 });
    expect(combineFigures([one])).toEqual(one);
    expect(() => combineFigures([])).toThrow(/no slices/);
  });
});
