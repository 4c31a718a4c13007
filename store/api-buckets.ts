/**
 * Lasso's API rate limits in the database (`api_rate_buckets`), shared by every instance on
 * PostgreSQL. A request costs at most one statement for all its buckets, and less under load:
 * - requests for the same buckets (one client's) that arrive while a take for them is under way
 *   wait for it and then go together: the next statement asks each bucket for that many tokens;
 * - a bucket found empty is remembered until its next token is due, and requests that need it
 *   are refused from memory meanwhile. Tokens only come back with time, so this refuses nothing
 *   the database would have allowed, and a client hammering the API costs no query;
 * - at most `maxInFlight` takes run at once, so the limits never hold the whole pool.
 */
import { sql } from 'kysely';
import { MINUTE_MS, type Clock } from '../lib/clock.js';
import type { Db } from './db.js';
import {
  ALLOWED,
  checkLimit,
  createMemoryBuckets,
  msUntilToken,
  type BucketTake,
  type TakeResult,
  type TokenBuckets,
} from './rate-limit.js';
import type { DbExecutor } from './schema.js';

/** What a take of `count` tokens gave. */
export interface TakeOutcome {
  /** How many of the `count` requests may go (the first ones). */
  granted: number;
  /** The first bucket that gave fewer than asked, if any, and when its next token is due. */
  refusedBy: string | null;
  retryAfterMs: number;
}

/**
 * Asks the buckets of `takes`, in order, for `count` tokens in one statement (the migration's
 * `api_rate_take`): each gives what it has up to what the bucket before it gave (the first is
 * asked for `count`), so a bucket is never charged for a request a bucket before it refused.
 * Row locks are taken in the order of `takes`: list a client's own buckets first and its IP's
 * last, always, and concurrent takes cannot deadlock.
 */
export async function takeTokens(
  db: DbExecutor,
  takes: readonly BucketTake[],
  count: number,
  now: Date,
): Promise<TakeOutcome> {
  const keys = takes.map((t) => t.key);
  const rates = takes.map((t) => t.limit.perSecond);
  const bursts = takes.map((t) => t.limit.burst);
  const rows = await sql<{ gave: number; tokens_left: number }>`
    SELECT gave, tokens_left FROM api_rate_take(${keys}::text[], ${rates}::double precision[],
      ${bursts}::double precision[], ${count}::integer, ${now}::timestamptz)`.execute(db);
  const outcome: TakeOutcome = { granted: count, refusedBy: null, retryAfterMs: 0 };
  takes.forEach(({ key, limit }, i) => {
    // No row: not asked, since a bucket before it gave nothing.
    const row = rows.rows[i];
    const gave = row ? Number(row.gave) : 0;
    if (gave < outcome.granted && outcome.refusedBy === null) {
      outcome.refusedBy = key;
      outcome.retryAfterMs = row ? msUntilToken(Number(row.tokens_left), limit) : 0;
    }
    outcome.granted = Math.min(outcome.granted, gave);
  });
  return outcome;
}

/** Deletes the buckets full again by `now` (as good as new); returns how many. */
export async function sweepApiBuckets(db: DbExecutor, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('api_rate_buckets')
    .where('full_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A database failure of the shared buckets is reported at most this often. */
const ERROR_REPORT_INTERVAL_MS = MINUTE_MS;
/** Past this many remembered empty buckets, the expired ones are forgotten at once. */
const EMPTY_MEMORY_PRUNE_AT = 10_000;
/** Takes under way at once per instance: the rest of the pool stays free for everything else. */
const DEFAULT_MAX_IN_FLIGHT = 4;

/** The requests for one list of buckets (one client's) waiting for the next take: in `turns`
 * while none is under way for them. */
interface Queue {
  signature: string;
  takes: readonly BucketTake[];
  waiting: Array<(result: TakeResult) => void>;
}

/** Options of `createSharedBuckets`. */
export interface SharedBucketsOptions {
  db: DbExecutor;
  clock: Clock;
  /** Told when the database fails (then the buckets are in memory), at most once a minute. */
  onError?: (err: unknown) => void;
  /** Most takes under way at once; default 4. */
  maxInFlight?: number;
}

/**
 * Token buckets in `api_rate_buckets`, shared by every instance on the database. If the
 * database fails, requests fall back to this process's memory (limits per instance, as if
 * alone) and `onError` hears of it.
 */
export function createSharedBuckets(options: SharedBucketsOptions): TokenBuckets {
  const { db, clock, onError } = options;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const fallback = createMemoryBuckets({ clock });
  const queues = new Map<string, Queue>();
  const turns: Queue[] = [];
  const emptyUntil = new Map<string, number>();
  let inFlight = 0;
  let reportedAt = -Infinity;

  function forgetExpired(now: number): void {
    for (const [key, until] of emptyUntil) if (until <= now) emptyUntil.delete(key);
  }

  /** A refusal known without asking: a bucket of `takes` was found empty and is still. */
  function knownRefusal(takes: readonly BucketTake[], now: number): TakeResult | null {
    for (const { key } of takes) {
      const until = emptyUntil.get(key);
      if (until !== undefined && until > now) return { allowed: false, retryAfterMs: until - now };
    }
    return null;
  }

  /** Answers every request waiting in `queue` with one take. */
  async function takeFor(queue: Queue): Promise<void> {
    const batch = queue.waiting.splice(0);
    const now = clock.now();
    try {
      const outcome = await takeTokens(db, queue.takes, batch.length, new Date(now));
      if (outcome.refusedBy !== null && outcome.retryAfterMs > 0) {
        if (emptyUntil.size >= EMPTY_MEMORY_PRUNE_AT) forgetExpired(now);
        emptyUntil.set(outcome.refusedBy, now + outcome.retryAfterMs);
      }
      const refused: TakeResult = { allowed: false, retryAfterMs: outcome.retryAfterMs };
      batch.forEach((resolve, i) => resolve(i < outcome.granted ? ALLOWED : refused));
    } catch (err) {
      if (now - reportedAt >= ERROR_REPORT_INTERVAL_MS) {
        reportedAt = now;
        onError?.(err);
      }
      for (const resolve of batch) resolve(fallback.take(queue.takes));
    }
  }

  /** Starts takes for the queues whose turn it is, up to `maxInFlight` at once. */
  function pump(): void {
    while (inFlight < maxInFlight) {
      const queue = turns.shift();
      if (!queue) return;
      inFlight += 1;
      void takeFor(queue).finally(() => {
        inFlight -= 1;
        // Requests that came meanwhile wait for the next turn, behind other clients'.
        if (queue.waiting.length > 0) turns.push(queue);
        else queues.delete(queue.signature);
        pump();
      });
    }
  }

  return {
    take(takes) {
      for (const { limit } of takes) checkLimit(limit);
      if (takes.length === 0) return ALLOWED;
      const known = knownRefusal(takes, clock.now());
      if (known) return known;
      const signature = takes.map((t) => t.key).join('\n');
      let queue = queues.get(signature);
      if (!queue) {
        queue = { signature, takes, waiting: [] };
        queues.set(signature, queue);
        turns.push(queue);
      }
      const waiting = queue.waiting;
      const result = new Promise<TakeResult>((resolve) => waiting.push(resolve));
      pump();
      return result;
    },
    async sweep() {
      const now = clock.now();
      forgetExpired(now);
      return (await fallback.sweep()) + (await sweepApiBuckets(db, new Date(now)));
    },
  };
}

/** The API's buckets for `db`: shared through it on PostgreSQL, in memory on PGlite or none. */
export function createTokenBuckets(options: {
  db: Db | undefined;
  clock: Clock;
  onError?: (err: unknown) => void;
}): TokenBuckets {
  const { db, clock, onError } = options;
  return db?.dialect === 'postgres'
    ? createSharedBuckets({ db: db.kysely, clock, ...(onError ? { onError } : {}) })
    : createMemoryBuckets({ clock });
}
