import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { createMemoryBuckets, msUntilToken, refilled } from './rate-limit.js';

const slow = { perSecond: 0.5, burst: 3 };

describe('bucket arithmetic', () => {
  it('refills by elapsed time at the rate, never above the burst', () => {
    expect(refilled(0, 1_000, slow)).toBe(0.5);
    expect(refilled(0.5, 3_000, slow)).toBe(2);
    expect(refilled(2, 60_000, slow)).toBe(3);
  });

  it('gives nothing for time running backwards (another instance’s slower clock)', () => {
    expect(refilled(1.25, -10_000, slow)).toBe(1.25);
  });

  it('waits until a whole token is there, rounded up to the millisecond', () => {
    expect(msUntilToken(1, slow)).toBe(0);
    expect(msUntilToken(0, slow)).toBe(2_000);
    expect(msUntilToken(0.75, slow)).toBe(500);
    expect(msUntilToken(0.2, { perSecond: 3, burst: 1 })).toBe(267);
  });
});

describe('memory buckets', () => {
  const a = (limit = slow) => ({ key: 'a', limit });
  const b = (limit = slow) => ({ key: 'b', limit });

  it('allows a burst at once, then one request per refilled token', async () => {
    const clock = new ManualClock();
    const buckets = createMemoryBuckets({ clock });
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(buckets.take([a()]));
    expect(verdicts).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterMs: 2_000 },
    ]);
    await clock.advance(1_999);
    expect(buckets.take([a()])).toEqual({ allowed: false, retryAfterMs: 1 });
    await clock.advance(1);
    expect(buckets.take([a()])).toEqual({ allowed: true });
    expect(buckets.take([a()])).toEqual({ allowed: false, retryAfterMs: 2_000 });
  });

  it('does not charge the buckets after the one that refused, and charges those before it', () => {
    const buckets = createMemoryBuckets({ clock: new ManualClock() });
    const one = { perSecond: 1, burst: 1 };
    expect(buckets.take([a(one), b()])).toEqual({ allowed: true });
    // a is empty: b keeps its two remaining tokens however often a refuses.
    for (let i = 0; i < 10; i++) expect(buckets.take([a(one), b()]).allowed).toBe(false);
    expect([buckets.take([b()]), buckets.take([b()]), buckets.take([b()])]).toEqual([
      { allowed: true },
      { allowed: true },
      { allowed: false, retryAfterMs: 2_000 },
    ]);
    // b is empty now: a request through a fresh c, then b, still spends c's token.
    const c = { key: 'c', limit: one };
    expect(buckets.take([c, b()]).allowed).toBe(false);
    expect(buckets.take([c])).toEqual({ allowed: false, retryAfterMs: 1_000 });
  });

  it('keeps buckets apart by key', () => {
    const buckets = createMemoryBuckets({ clock: new ManualClock() });
    const one = { perSecond: 1, burst: 1 };
    expect(buckets.take([a(one)]).allowed).toBe(true);
    expect(buckets.take([a(one)]).allowed).toBe(false);
    expect(buckets.take([b(one)]).allowed).toBe(true);
  });

  it('sweeps buckets that have filled up again, and only those', async () => {
    const clock = new ManualClock();
    const buckets = createMemoryBuckets({ clock });
    buckets.take([a()]);
    await clock.advance(1_000);
    buckets.take([b()]);
    // a is full 2 s after its take, b 2 s after its own.
    await clock.advance(1_000);
    expect(await buckets.sweep()).toBe(1);
    expect(await buckets.sweep()).toBe(0);
    await clock.advance(1_000);
    expect(await buckets.sweep()).toBe(1);
  });

  it('holds at most maxBuckets: full ones are swept first, then the oldest goes', async () => {
    const clock = new ManualClock();
    const buckets = createMemoryBuckets({ clock, maxBuckets: 2 });
    const one = { perSecond: 1, burst: 1 };
    const key = (k: string) => ({ key: k, limit: one });
    buckets.take([key('x')]);
    buckets.take([key('y')]);
    await clock.advance(1_000);
    // x and y are full again: both are swept to make room for z, and y starts over.
    buckets.take([key('z')]);
    expect(buckets.take([key('y')]).allowed).toBe(true);
    // z and y are empty: w pushes out the oldest (z), which then starts over full.
    buckets.take([key('w')]);
    expect(buckets.take([key('z')]).allowed).toBe(true);
    expect(buckets.take([key('w')]).allowed).toBe(false);
  });

  it('refuses a limit that could never give a token', () => {
    const buckets = createMemoryBuckets({ clock: new ManualClock() });
    expect(() => buckets.take([a({ perSecond: 1, burst: 0.5 })])).toThrow(RangeError);
    expect(() => buckets.take([a({ perSecond: 0, burst: 5 })])).toThrow(RangeError);
  });
});
