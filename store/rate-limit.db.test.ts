import { expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { createSharedRateLimiter, reserveSlot } from './rate-limit.js';
import { describeEachDatabase } from './test-support/databases.js';
import { TEST_NOW, uniqueName } from './test-support/factories.js';

describeEachDatabase('shared Last.fm rate limiter', (t) => {
  it('spaces reservations at the configured rate, whoever makes them', async () => {
    const key = uniqueName('bucket');
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) waits.push(await reserveSlot(t.db.kysely, key, TEST_NOW, 5, 1));
    // at 5/s the n-th request at the same instant waits n·200 ms
    expect(waits).toEqual([0, 200, 400, 600, 800]);
  });

  it('refills with elapsed time but never above the burst', async () => {
    const key = uniqueName('bucket');
    await reserveSlot(t.db.kysely, key, TEST_NOW, 4, 3);
    const later = new Date(TEST_NOW.getTime() + 60_000);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) waits.push(await reserveSlot(t.db.kysely, key, later, 4, 3));
    expect(waits).toEqual([0, 0, 0, 250]);
  });

  it('does not mint tokens when an instance with a slower clock reserves', async () => {
    const key = uniqueName('bucket');
    expect(await reserveSlot(t.db.kysely, key, TEST_NOW, 1, 1)).toBe(0);
    const earlier = new Date(TEST_NOW.getTime() - 10_000);
    expect(await reserveSlot(t.db.kysely, key, earlier, 1, 1)).toBe(1_000);
  });

  it('makes two limiters on one database share one budget', async () => {
    const clock = new ManualClock(TEST_NOW.getTime());
    const key = uniqueName('bucket');
    const a = createSharedRateLimiter({ db: t.db.kysely, clock, requestsPerSecond: 2, key });
    const b = createSharedRateLimiter({ db: t.db.kysely, clock, requestsPerSecond: 2, key });
    await a.acquire();
    let granted = false;
    const waiting = b.acquire().then(() => {
      granted = true;
    });
    while (clock.pending === 0) await new Promise((r) => setTimeout(r, 2));
    await clock.advance(499);
    expect(granted).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(granted).toBe(true);
  });

  it('gives up waiting when its signal aborts', async () => {
    const clock = new ManualClock(TEST_NOW.getTime());
    const key = uniqueName('bucket');
    const limiter = createSharedRateLimiter({ db: t.db.kysely, clock, requestsPerSecond: 1, key });
    await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire(ac.signal);
    setImmediate(() => ac.abort(new Error('shutting down')));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
