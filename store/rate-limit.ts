/**
 * A Last.fm rate limiter shared by every instance on one database: a token bucket kept in one
 * `rate_limit_buckets` row. Each call reserves the next slot in a single atomic upsert (refill by
 * elapsed time, take one token, possibly going into debt) and then waits out its debt, so callers
 * across instances are spaced at `requestsPerSecond` with no polling and one round trip per call.
 */
import { sql } from 'kysely';
import type { Clock } from '../lib/clock.js';
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
