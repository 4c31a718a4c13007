import { describe, expect, it } from 'vitest';
import type { ProcessSample, ServerChild } from './child.js';
import { background, waitUntilQuiet } from './quiet.js';

/** A server that burns one core until `busyForMs` has passed, then nothing. */
function fakeServer(busyForMs: number): ServerChild {
  const start = performance.now();
  const noDelay = { p50Ms: 0, p99Ms: 0, maxMs: 0 };
  return {
    url: 'http://127.0.0.1:1/',
    sample: async (): Promise<ProcessSample> => {
      const busyMs = Math.min(performance.now() - start, busyForMs);
      return { cpuMicros: busyMs * 1000, rssBytes: 0, peakRssBytes: 0, loopDelay: noDelay };
    },
    close: async () => undefined,
  };
}

describe('waitUntilQuiet', () => {
  it('waits while the server still works off a backlog, and stops once it is quiet', async () => {
    const waited = await waitUntilQuiet(fakeServer(1200), 0, 10_000);
    expect(waited).toBeGreaterThanOrEqual(1200);
    expect(waited).toBeLessThan(2500);
  });

  it('gives up after the longest wait', async () => {
    const waited = await waitUntilQuiet(fakeServer(60_000), 0, 1000);
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(2000);
  });
});

describe('background', () => {
  it('is the CPU used over the stretch, in cores', async () => {
    expect((await background(fakeServer(60_000), 300)).cores).toBeCloseTo(1, 1);
    expect((await background(fakeServer(0), 300)).cores).toBe(0);
  });
});
