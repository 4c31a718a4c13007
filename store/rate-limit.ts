/**
 * Token buckets, two ways:
 * - the Last.fm client's pace, shared by every instance on one database (`reserveSlot`,
 *   `createSharedRateLimiter`, one `rate_limit_buckets` row): each call reserves the next slot
 *   in one atomic upsert (refill by elapsed time, take one token, possibly going into debt) and
 *   then waits out its debt, so callers across instances are spaced at `requestsPerSecond` with
 *   no polling and one round trip per call;
 * - Lasso's own API limits (`TokenBuckets`): a request takes one token from each of its buckets
 *   or is refused, never waits. Here the arithmetic and the in-memory buckets; the database's,
 *   shared by instances on PostgreSQL, are in `api-buckets.ts`.
 */
import { sql } from 'kysely';
import { SECOND_MS, type Clock } from '../lib/clock.js';
import type { RateLimiter } from '../lastfm/types.js';
import type { DbExecutor } from './schema.js';

export interface SharedRateLimiterOptions {
  db: DbExecutor;
  clock: Clock;
  /** Sustained rate (Last.fm: 5 per second per IP, averaged over 5 minutes). */
  requestsPerSecond: number;
  /** Requests allowed at once after a quiet spell. Default 1: evenly spaced calls. */
  burst?: number;
  /** One bucket per key: the API key, so several deployments on one database do not mix. */
  key?: string;
}

/** Reserves one slot and returns how long (ms) the caller must wait before using it. */
export async function reserveSlot(
  db: DbExecutor,
  key: string,
  now: Date,
  requestsPerSecond: number,
  burst: number,
): Promise<number> {
  // tokens' = min(burst, tokens + elapsed·rate) − 1; updated_at never moves back, so instances
  // whose clocks differ a little cannot mint tokens.
  const row = await sql<{ tokens: number }>`
    INSERT INTO rate_limit_buckets (key, tokens, updated_at)
    VALUES (${key}, ${burst - 1}, ${now})
    ON CONFLICT (key) DO UPDATE SET
      tokens = LEAST(
        ${burst}::double precision,
        rate_limit_buckets.tokens
          + GREATEST(0, EXTRACT(EPOCH FROM (${now}::timestamptz - rate_limit_buckets.updated_at)))
          * ${requestsPerSecond}::double precision
      ) - 1,
      updated_at = GREATEST(${now}::timestamptz, rate_limit_buckets.updated_at)
    RETURNING tokens`.execute(db);
  const tokens = Number(row.rows[0]?.tokens ?? 0);
  return tokens >= 0 ? 0 : Math.ceil((-tokens / requestsPerSecond) * 1000);
}

/** A `RateLimiter` whose budget is shared through the database by every instance using `key`. */
export function createSharedRateLimiter(options: SharedRateLimiterOptions): RateLimiter {
  const { db, clock, requestsPerSecond } = options;
  const burst = Math.max(1, options.burst ?? 1);
  const key = options.key ?? 'lastfm';
  if (!(requestsPerSecond > 0)) throw new Error('requestsPerSecond must be positive');
  return {
    async acquire(signal?: AbortSignal): Promise<void> {
      signal?.throwIfAborted();
      const waitMs = await reserveSlot(db, key, new Date(clock.now()), requestsPerSecond, burst);
      if (waitMs > 0) await clock.sleep(waitMs, signal);
      signal?.throwIfAborted();
    },
  };
}

// ---- Lasso's own API: take a token or refuse ------------------------------------------------

/** One token bucket: refills at `perSecond`, holds at most `burst` (≥ 1) tokens. */
export interface BucketLimit {
  perSecond: number;
  burst: number;
}

/** A bucket a request takes one token from: its key and its limit. */
export interface BucketTake {
  key: string;
  limit: BucketLimit;
}

/** A request's verdict; when refused, how long until its first empty bucket holds a token. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

/** The verdict of every request let through. */
export const ALLOWED: TakeResult = { allowed: true };

/** The tokens of a bucket that held `tokens` `elapsedMs` ago (time never runs backwards here). */
export function refilled(tokens: number, elapsedMs: number, limit: BucketLimit): number {
  return Math.min(limit.burst, tokens + (Math.max(0, elapsedMs) / SECOND_MS) * limit.perSecond);
}

/** How long (ms) until a bucket holding `tokens` has a whole one. */
export function msUntilToken(tokens: number, limit: BucketLimit): number {
  return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / limit.perSecond) * SECOND_MS);
}

/**
 * Buckets a request takes its tokens from. `take` goes through `takes` in order and takes one
 * token from each until one is empty: then the request is refused, and the buckets after it
 * are not charged. So list the client's own buckets first (its session before its IP): a
 * session refused for hammering does not spend the budget of the room it shares an IP with.
 */
export interface TokenBuckets {
  take(takes: readonly BucketTake[]): TakeResult | Promise<TakeResult>;
  /** Forgets buckets that have filled up again (as good as new); resolves to how many. */
  sweep(): Promise<number>;
}

/** Throws unless `limit` can ever give a token. */
export function checkLimit(limit: BucketLimit): void {
  if (!(limit.perSecond > 0) || !(limit.burst >= 1)) {
    throw new RangeError(`bad bucket limit ${JSON.stringify(limit)}: perSecond > 0, burst ≥ 1`);
  }
}

interface MemoryBucket {
  tokens: number;
  at: number;
  limit: BucketLimit;
}

/** Most buckets kept in memory; past it, full ones are swept, then the oldest dropped. */
const MEMORY_MAX_BUCKETS = 100_000;

/** Token buckets in this process's memory: `take` answers at once, no query. */
export interface MemoryBuckets extends TokenBuckets {
  take(takes: readonly BucketTake[]): TakeResult;
}

/** Token buckets in this process's memory. */
export function createMemoryBuckets(options: { clock: Clock; maxBuckets?: number }): MemoryBuckets {
  const { clock } = options;
  const maxBuckets = options.maxBuckets ?? MEMORY_MAX_BUCKETS;
  const buckets = new Map<string, MemoryBucket>();

  function sweepFull(now: number): number {
    let swept = 0;
    for (const [key, b] of buckets) {
      if (refilled(b.tokens, now - b.at, b.limit) >= b.limit.burst) {
        buckets.delete(key);
        swept++;
      }
    }
    return swept;
  }

  /** Room for one more: full buckets go first; if none is, the oldest (it starts over, full). */
  function makeRoom(now: number): void {
    if (buckets.size < maxBuckets || sweepFull(now) > 0) return;
    const oldest = buckets.keys().next();
    if (!oldest.done) buckets.delete(oldest.value);
  }

  return {
    take(takes) {
      const now = clock.now();
      for (const { key, limit } of takes) {
        const bucket = buckets.get(key);
        if (!bucket) checkLimit(limit);
        const tokens = bucket ? refilled(bucket.tokens, now - bucket.at, limit) : limit.burst;
        if (tokens < 1) return { allowed: false, retryAfterMs: msUntilToken(tokens, limit) };
        if (bucket) {
          bucket.tokens = tokens - 1;
          bucket.at = Math.max(now, bucket.at);
          bucket.limit = limit;
        } else {
          makeRoom(now);
          buckets.set(key, { tokens: tokens - 1, at: now, limit });
        }
      }
      return ALLOWED;
    },
    sweep: async () => sweepFull(clock.now()),
  };
}
