/**
 * Checkpoints for the embedded store. PGlite runs PostgreSQL as a single-user backend, which has
 * no checkpointer: apart from its start and a clean close it never checkpoints, not even when
 * `max_wal_size` is passed. Its write-ahead log then grows without bound (on disk in `DATA_DIR`,
 * in memory for `memory://` and demo mode), and a process killed after hours of work replays all
 * of it at its next start (257 MB of log: 4.7 s to open instead of 1.2 s).
 *
 * `checkpointPass` does what the checkpointer would: a `CHECKPOINT` once `CHECKPOINT_TIMEOUT_MS`
 * has passed since the last one (PostgreSQL's `checkpoint_timeout`) with log written since, or
 * sooner when the log since the last one passes `CHECKPOINT_WAL_BYTES` (the `max_wal_size` PGlite
 * is started with, `pglite-worker.ts`, which also makes a checkpoint keep at most that much log
 * for reuse). `runCheckpoints` looks every minute, timing on the server's clock. A PostgreSQL server
 * has its own checkpointer: this is for PGlite only.
 */
import { sql } from 'kysely';
import { MINUTE_MS, type Clock } from '../lib/clock.js';
import type { Db } from './db.js';

/** A checkpoint at least this often while the log grows: PostgreSQL's `checkpoint_timeout`. */
export const CHECKPOINT_TIMEOUT_MS = 5 * MINUTE_MS;
/** A checkpoint as soon as this much log was written since the last (PGlite's `max_wal_size`). */
export const CHECKPOINT_WAL_BYTES = 64 * 1024 * 1024;
/** How often `runCheckpoints` looks. */
export const CHECKPOINT_LOOK_MS = MINUTE_MS;

/**
 * Whether a checkpoint is due: PostgreSQL's two triggers, size (`logBytes` written since the last
 * checkpoint's redo point) and time (`sinceLastMs`, with log written since).
 */
export function checkpointDue(logBytes: number, sinceLastMs: number): boolean {
  if (logBytes >= CHECKPOINT_WAL_BYTES) return true;
  // A checkpoint writes a record of its own (a little over 100 bytes): that alone is no new work.
  return logBytes > 1024 && sinceLastMs >= CHECKPOINT_TIMEOUT_MS;
}

/** Bytes of log written since the last checkpoint began (its redo point). */
export async function logSinceCheckpoint(db: Db): Promise<number> {
  const { rows } = await sql<{ bytes: string }>`
    SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn) AS bytes
    FROM pg_control_checkpoint()`.execute(db.kysely);
  return Number(rows[0]!.bytes);
}

/** Checkpoints if one is due, the last having been `sinceLastMs` ago; true when it did. */
export async function checkpointPass(db: Db, sinceLastMs: number): Promise<boolean> {
  if (!checkpointDue(await logSinceCheckpoint(db), sinceLastMs)) return false;
  await sql`CHECKPOINT`.execute(db.kysely);
  return true;
}

/** Where `runCheckpoints` reports: each checkpoint (debug), each failure (warn). */
export interface CheckpointLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * Runs `checkpointPass` every `CHECKPOINT_LOOK_MS` on `clock` until `signal` aborts; a failure
 * is logged and the next look goes on as usual. Does nothing on a PostgreSQL server.
 */
export async function runCheckpoints(
  db: Db,
  clock: Clock,
  logger: CheckpointLogger,
  signal: AbortSignal,
): Promise<void> {
  if (db.dialect !== 'pglite') return;
  // PGlite checkpointed when it opened; the time trigger counts on `clock` from then.
  let last = clock.now();
  for (;;) {
    await clock.sleep(CHECKPOINT_LOOK_MS, signal);
    if (signal.aborted) return;
    try {
      const started = performance.now();
      if (await checkpointPass(db, clock.now() - last)) {
        last = clock.now();
        logger.debug({ ms: Math.round(performance.now() - started) }, 'checkpoint');
      }
    } catch (err) {
      logger.warn({ err }, 'checkpoint failed');
    }
  }
}
