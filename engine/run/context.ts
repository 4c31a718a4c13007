/**
 * What every driver of the engine shares: the effects passed to `createEngine`, the checked
 * config, and three small tools — transactions that retry on deadlock, crash injection, and a
 * bounded worker pool that lets an injected crash through while logging ordinary failures.
 */
import type { Transaction } from 'kysely';
import type { LastfmApi } from '../../lastfm/types.js';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import type { Db } from '../../store/db.js';
import type { Database } from '../../store/schema.js';
import type { EngineConfig } from '../config.js';
import type { CrashPoint, EngineLogger, EngineMetrics } from '../engine-api.js';
import type { LeaseKeeper } from './leases.js';

/** The engine's effects and settings, as the drivers use them. */
export interface EngineContext {
  db: Db;
  lastfm: LastfmApi;
  clock: Clock;
  random: Random;
  cfg: EngineConfig;
  instanceId: string;
  decryptSessionKey(accountId: number, blob: Buffer): string;
  logger: EngineLogger;
  metrics: EngineMetrics | undefined;
  maxConcurrency: number;
  /** Keeps the leases of work in flight alive (renewed by `run`; simulations drive `runDue` alone). */
  leases: LeaseKeeper;
  /** The injected clock's time as a Date. */
  now(): Date;
  /** Calls `crashAt(point)`; what it throws is marked as a crash and must reach `runDue`'s caller. */
  crash(point: CrashPoint): void;
  /** New work may be due now (a window opened, a key came back): cut the run loop's sleep short. */
  wake(): void;
}

/** A transaction handle: use it, never `db.kysely`, inside a transaction (PGlite has one connection). */
export type Trx = Transaction<Database>;

const crashes = new WeakSet<object>();

/** True for an error thrown by `crashAt`: it must propagate, not be logged and skipped. */
export function isCrash(err: unknown): boolean {
  return typeof err === 'object' && err !== null && crashes.has(err);
}

/** Runs the injected crash hook; what it throws is remembered as a crash and rethrown. */
export function runCrashHook(
  hook: ((point: CrashPoint) => void) | undefined,
  point: CrashPoint,
): void {
  if (hook === undefined) return;
  try {
    hook(point);
  } catch (err) {
    const marked = err instanceof Error ? err : new Error(String(err));
    crashes.add(marked);
    throw marked;
  }
}

/** SQLSTATEs worth one more try: deadlock detected, serialization failure. */
const RETRY_CODES = new Set(['40P01', '40001']);
const MAX_TX_ATTEMPTS = 3;

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `fn` in a transaction, again (up to 3 times) when Postgres aborted it for a deadlock or a
 * serialization failure. Lock order is kept the same everywhere (accounts/hosts → outbox →
 * follows → windows → events) so deadlocks should not happen; this is the safety net.
 */
export async function inTx<T>(
  ctx: Pick<EngineContext, 'db'>,
  fn: (trx: Trx) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction(fn);
    } catch (err) {
      const state = sqlState(err);
      if (attempt >= MAX_TX_ATTEMPTS || state === undefined || !RETRY_CODES.has(state)) throw err;
    }
  }
}

/** True when `err` is a foreign-key violation (SQLSTATE 23503). */
export function isForeignKeyViolation(err: unknown): boolean {
  return sqlState(err) === '23503';
}

/** True when `err` is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505';
}

/**
 * Runs `task` over `items`, at most `limit` at a time. A task's ordinary failure goes to
 * `onError` and the others go on; an injected crash stops new tasks, waits for the running ones
 * and is rethrown (as a real crash would leave whatever they had committed).
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
  onError: (item: T, err: unknown) => void,
): Promise<void> {
  let next = 0;
  let crash: { err: Error } | null = null;
  const worker = async (): Promise<void> => {
    while (crash === null && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (err) {
        if (isCrash(err)) crash ??= { err: err as Error };
        else onError(item, err);
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (crash !== null) throw (crash as { err: Error }).err;
}
