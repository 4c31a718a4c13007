/**
 * Last.fm's per-IP limit (docs/lastfm.md, "Rate limits"): 5 requests/s averaged over 5 minutes, as
 * a token bucket holding `perSecond × windowSec` requests and refilling `perSecond` a second.
 * Counted on the injected clock, so a test can exhaust it and then advance time to refill it.
 */
import type { Clock } from '../lib/clock.js';
import type { RateLimitOptions } from './types.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per client IP. */
export class IpRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly perSecond: number;
  readonly capacity: number;

  constructor(
    private readonly clock: Clock,
    options: RateLimitOptions = {},
  ) {
    this.perSecond = options.perSecond ?? 5;
    this.capacity = Math.max(1, Math.floor(this.perSecond * (options.windowSec ?? 300)));
  }

  /** Takes one request from `ip`'s bucket; false when it is empty (answer 429 / error 29). */
  take(ip: string): boolean {
    const now = this.clock.now();
    const b = this.buckets.get(ip) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(ip, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
