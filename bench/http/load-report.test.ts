import { describe, expect, it } from 'vitest';
import type { LoadFigures } from './load.js';
import { failures, goalMet, printRuns, runJson, type StoreRun } from './load-report.js';

const noDelay = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
const figures: LoadFigures = {
  url: 'http://127.0.0.1:1/api/session/status',
  requestsPerSecMean: 5000,
  latencyP50Ms: 20,
  latencyP90Ms: 40,
  latencyP99Ms: 80,
  latencyMaxMs: 300,
  latencyMeanMs: 22,
  requestsTotal: 150_000,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  serverCores: 0.9,
  clientCores: 0.8,
  serverRssMb: 200,
  serverPeakRssMb: 210,
  serverLoopDelay: noDelay,
  clientLoopDelay: noDelay,
  wallS: 30,
};
const clean: StoreRun = {
  store: 'pglite',
  clients: 1000,
  guests: 1000,
  status: figures,
  sse: {
    requested: 1000,
    opened: 1000,
    open: 1000,
    dropped: 0,
    errors: 0,
    withEvents: 1000,
    errorSamples: [],
  },
  storeCores: null,
  machineCores: 2,
  listenOverflows: 0,
  sampleStatus: { recent_scrobbles: [{}, {}] },
  breakdown: [],
  background: { cores: 0.05, loopDelay: noDelay },
  warmupDrainMs: 0,
};

describe('failures', () => {
  it('finds nothing wrong with a run without errors, even when the p99 goal is missed', () => {
    expect(failures(clean)).toEqual([]);
    const slow = { ...clean, status: { ...figures, latencyP99Ms: 450 } };
    expect(failures(slow)).toEqual([]);
    expect(goalMet(slow)).toBe(false);
  });

  it('fails on non-2xx answers, errors and timeouts', () => {
    const bad = { ...clean, status: { ...figures, non2xx: 3, errors: 2, timeouts: 1 } };
    expect(failures(bad)).toEqual([
      '3 non-2xx status answers',
      '2 request errors',
      '1 request timeouts',
    ]);
  });

  it('fails on streams that never opened or were dropped', () => {
    const sse = { ...clean.sse, opened: 990, open: 985, dropped: 5, errors: 15 };
    expect(failures({ ...clean, sse })).toEqual(['10 streams never opened', '5 streams dropped']);
  });

  it('fails when nothing was answered at all', () => {
    expect(failures({ ...clean, status: { ...figures, requestsTotal: 0 } })).toEqual([
      'no status request answered',
    ]);
  });
});

describe('goalMet', () => {
  it('needs a p99 strictly under 100 ms', () => {
    expect(goalMet({ ...clean, status: { ...figures, latencyP99Ms: 99 } })).toBe(true);
    expect(goalMet({ ...clean, status: { ...figures, latencyP99Ms: 100 } })).toBe(false);
  });
});

describe('the report', () => {
  it('carries the verdict and the figures in JSON and in the table', () => {
    const json = runJson(clean);
    expect(json).toMatchObject({
      requests: 150_000,
      latency_ms: { p50: 20, p90: 40, p99: 80, max: 300 },
      streams: { opened: 1000, open_at_end: 1000, dropped: 0 },
      goal_met: true,
      failures: [],
      status_recent_scrobbles: 2,
      // 0.9 cores for 5,000 requests a second, spread over 1,000 guests.
      server_cpu_ms_per_request: 0.18,
      requests_per_guest_per_s: 5,
    });
    const text = printRuns([clean, { ...clean, store: 'postgres', storeCores: 0.4 }]);
    expect(text).toMatch(/latency p99 \/ max ms\s+80 \/ 300\s+80 \/ 300/);
    expect(text).toMatch(/PostgreSQL backends cores\s+—\s+0\.40/);
    expect(text).toMatch(/server CPU ms per request\s+0\.18\s+0\.18/);
    expect(text).toMatch(/requests per guest per s\s+5\.00/);
  });
});
