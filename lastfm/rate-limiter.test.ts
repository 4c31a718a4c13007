import { describe, expect, it } from 'vitest';
import { flushEventLoop, ManualClock } from '../lib/clock.js';
import { createLocalRateLimiter } from './rate-limiter.js';

/** Starts `n` acquisitions and records the clock time at which each is granted. */
async function startMany(
  limiter: ReturnType<typeof createLocalRateLimiter>,
  clock: ManualClock,
  n: number,
) {
  const grantedAt: number[] = [];
  const all = Array.from({ length: n }, () =>
    limiter.acquire().then(() => {
      grantedAt.push(clock.now());
    }),
  );
  // Let immediate grants record their time before a test moves the clock.
  await flushEventLoop();
  return { grantedAt, all: Promise.all(all) };
}

describe('createLocalRateLimiter', () => {
  it('spaces calls at the configured rate (5/s: one every 200 ms)', async () => {
    const clock = new ManualClock(0);
    const limiter = createLocalRateLimiter({ requestsPerSecond: 5, clock });
    const { grantedAt, all } = await startMany(limiter, clock, 6);
    await clock.advance(2_000);
    await all;
    expect(grantedAt).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('grants nothing early: a call before its slot waits', async () => {
    const clock = new ManualClock(0);
    const limiter = createLocalRateLimiter({ requestsPerSecond: 2, clock });
    const { grantedAt } = await startMany(limiter, clock, 2);
    await clock.advance(499);
    expect(grantedAt).toEqual([0]);
    await clock.advance(1);
    expect(grantedAt).toEqual([0, 500]);
  });

  it('lets a burst through after a quiet spell, then returns to the rate', async () => {
    const clock = new ManualClock(0);
    const limiter = createLocalRateLimiter({ requestsPerSecond: 10, burst: 3, clock });
    const { grantedAt, all } = await startMany(limiter, clock, 5);
    await clock.advance(1_000);
    await all;
    expect(grantedAt).toEqual([0, 0, 0, 100, 200]);
  });

  it('does not bank unused time beyond the burst', async () => {
    const clock = new ManualClock(0);
    const limiter = createLocalRateLimiter({ requestsPerSecond: 5, clock });
    await limiter.acquire();
    await clock.advance(10_000);
    const { grantedAt, all } = await startMany(limiter, clock, 3);
    await clock.advance(1_000);
    await all;
    expect(grantedAt).toEqual([10_000, 10_200, 10_400]);
  });

  it('rejects a waiting call with the abort reason, and the next caller takes its slot', async () => {
    const clock = new ManualClock(0);
    const limiter = createLocalRateLimiter({ requestsPerSecond: 5, clock });
    await limiter.acquire();
    const ctl = new AbortController();
    const aborted = limiter.acquire(ctl.signal);
    const reason = new Error('shutting down');
    ctl.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    const { grantedAt, all } = await startMany(limiter, clock, 1);
    await clock.advance(1_000);
    await all;
    expect(grantedAt).toEqual([200]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const clock = new ManualClock(0);
    const limiter = createLocalRateLimiter({ requestsPerSecond: 5, clock });
    const ctl = new AbortController();
    ctl.abort(new Error('gone'));
    await expect(limiter.acquire(ctl.signal)).rejects.toThrow('gone');
    // The rejected call used no slot.
    let granted = false;
    void limiter.acquire().then(() => (granted = true));
    await flushEventLoop();
    expect(granted).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    const clock = new ManualClock(0);
    expect(() => createLocalRateLimiter({ requestsPerSecond: 0, clock })).toThrow(RangeError);
  });
});
