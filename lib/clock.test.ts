import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { backoffMs, seededRandom } from './random.js';

describe('ManualClock', () => {
  it('wakes sleepers in deadline order as time advances', async () => {
    const clock = new ManualClock(0);
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => woke.push(`a@${clock.now()}`));
    await clock.advance(200);
    expect(woke).toEqual(['a@100']);
    await clock.advance(200);
    expect(woke).toEqual(['a@100', 'b@300']);
    expect(clock.now()).toBe(400);
  });

  it('lets a woken sleeper schedule its next sleep within the same advance', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(10);
        ticks.push(clock.now());
      }
    })();
    await clock.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
  });

  it('resolves a sleep early when its signal aborts', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const p = clock.sleep(1_000, ac.signal);
    ac.abort();
    await p;
    expect(clock.pending).toBe(0);
  });
});

describe('backoffMs', () => {
  it('grows exponentially, stays within its cap and jitters', () => {
    const random = seededRandom(1);
    const delays = [0, 1, 2, 3, 10].map((a) => backoffMs(a, 1_000, 30_000, random));
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThanOrEqual(1_000);
    expect(delays[3]).toBeGreaterThanOrEqual(4_000);
    expect(delays[4]).toBeLessThanOrEqual(30_000);
    expect(delays[4]).toBeGreaterThanOrEqual(15_000);
  });
});
