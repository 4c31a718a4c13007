import { describe, expect, it } from 'vitest';
import { createProcessSampler } from './child.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createProcessSampler', () => {
  it('reports a blocked event loop as delay, and only until the next sample', async () => {
    const sampler = createProcessSampler();
    try {
      await sleep(50);
      const blockedUntil = Date.now() + 80;
      while (Date.now() < blockedUntil) {
        // Busy: no timer of the monitor can run.
      }
      await sleep(50);
      const blocked = sampler.sample();
      expect(blocked.loopDelay.maxMs).toBeGreaterThanOrEqual(50);
      await sleep(100);
      expect(sampler.sample().loopDelay.maxMs).toBeLessThan(blocked.loopDelay.maxMs);
    } finally {
      sampler.stop();
    }
  });

  it('keeps the highest RSS since the previous sample', async () => {
    const sampler = createProcessSampler();
    try {
      let big: Buffer | null = Buffer.alloc(64 * 2 ** 20, 1);
      await sleep(450);
      // Checked every 200 ms: the buffer was seen at least twice.
      const withBuffer = process.memoryUsage.rss();
      big = null;
      expect(big).toBeNull();
      const sample = sampler.sample();
      expect(sample.peakRssBytes).toBeGreaterThanOrEqual(withBuffer - 2 ** 20);
      expect(sample.peakRssBytes).toBeGreaterThanOrEqual(sample.rssBytes);
      expect(sample.cpuMicros).toBeGreaterThan(0);
    } finally {
      sampler.stop();
    }
  });
});
