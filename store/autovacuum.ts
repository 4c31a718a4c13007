/**
 * Autovacuum for the embedded store. PGlite runs PostgreSQL as a single-user backend, which has
 * no autovacuum launcher: without this, every UPDATE and DELETE leaves its dead row version in
 * the table and its indexes for good, and no table is ever analysed. The tables the engine
 * updates at every poll and send (`hosts`, `outbox`, `follows`) then grow without bound and
 * every statement that reads them slows with the hours (bench:scale: the engine's wake-up query
 * went from 2.4 ms to 17 ms a call over one simulated hour at 10,000 follows).
 *
 * `autovacuumPass` does what the launcher would, with PostgreSQL's default thresholds: it reads
 * the statistics counters (flushed first: a single-user backend flushes them only when asked)
 * and runs `VACUUM`, `VACUUM (ANALYZE)` or `ANALYZE` on each table past its threshold, one table
 * per statement, so other queries run between them. `runAutovacuum` repeats it every
 * `AUTOVACUUM_NAPTIME_MS` (PostgreSQL's `autovacuum_naptime`). PostgreSQL servers run their own
 * autovacuum: this is for PGlite only.
 */
import { sql } from 'kysely';
import { MINUTE_MS, type Clock } from '../lib/clock.js';
import type { Db } from './db.js';

/** Where `runAutovacuum` reports: each pass that did something (debug), each failure (warn). */
export interface AutovacuumLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** How often `runAutovacuum` looks: PostgreSQL's `autovacuum_naptime` default. */
export const AUTOVACUUM_NAPTIME_MS = MINUTE_MS;

/** PostgreSQL's defaults for when autovacuum vacuums or analyses a table of `live` rows. */
export const AUTOVACUUM_THRESHOLDS = {
  /** `autovacuum_vacuum_threshold` + `autovacuum_vacuum_scale_factor` × rows. */
  vacuum: { base: 50, scale: 0.2 },
  /** `autovacuum_vacuum_insert_threshold` + `autovacuum_vacuum_insert_scale_factor` × rows. */
  insert: { base: 1000, scale: 0.2 },
  /** `autovacuum_analyze_threshold` + `autovacuum_analyze_scale_factor` × rows. */
  analyze: { base: 50, scale: 0.1 },
} as const;

/** One table's counters, as `pg_stat_user_tables` keeps them. */
export interface TableActivity {
  table: string;
  live: number;
  dead: number;
  insertedSinceVacuum: number;
  modifiedSinceAnalyze: number;
}

/** What a table needs: `null` when it is below every threshold. */
export type Upkeep = 'vacuum' | 'vacuum-analyze' | 'analyze' | null;

/** What autovacuum would do to a table with these counters. */
export function upkeepFor(t: TableActivity): Upkeep {
  const over = (n: number, { base, scale }: { base: number; scale: number }): boolean =>
    n > base + scale * t.live;
  const vacuum =
    over(t.dead, AUTOVACUUM_THRESHOLDS.vacuum) ||
    over(t.insertedSinceVacuum, AUTOVACUUM_THRESHOLDS.insert);
  const analyze = over(t.modifiedSinceAnalyze, AUTOVACUUM_THRESHOLDS.analyze);
  if (vacuum && analyze) return 'vacuum-analyze';
  if (vacuum) return 'vacuum';
  return analyze ? 'analyze' : null;
}

/** What one pass did: each table's upkeep, and how long the pass took. */
export interface AutovacuumResult {
  done: Array<{ table: string; upkeep: Exclude<Upkeep, null> }>;
  ms: number;
}

const STATEMENTS: Record<Exclude<Upkeep, null>, string> = {
  vacuum: 'VACUUM',
  'vacuum-analyze': 'VACUUM (ANALYZE)',
  analyze: 'ANALYZE',
};

/** Reads every table's counters and vacuums or analyses those past their thresholds. */
export async function autovacuumPass(db: Db): Promise<AutovacuumResult> {
  const started = performance.now();
  // A single-user backend keeps its counters to itself until told to flush them; the flush
  // happens when this statement's transaction ends, before the next one reads them.
  await sql`SELECT pg_stat_force_next_flush()`.execute(db.kysely);
  const { rows } = await sql<{
    table: string;
    live: string;
    dead: string;
    inserted: string;
    modified: string;
  }>`
    SELECT relname AS table, n_live_tup AS live, n_dead_tup AS dead,
      n_ins_since_vacuum AS inserted, n_mod_since_analyze AS modified
    FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname`.execute(db.kysely);
  const done: AutovacuumResult['done'] = [];
  for (const r of rows) {
    const upkeep = upkeepFor({
      table: r.table,
      live: Number(r.live),
      dead: Number(r.dead),
      insertedSinceVacuum: Number(r.inserted),
      modifiedSinceAnalyze: Number(r.modified),
    });
    if (upkeep === null) continue;
    await sql`${sql.raw(STATEMENTS[upkeep])} ${sql.id(r.table)}`.execute(db.kysely);
    done.push({ table: r.table, upkeep });
  }
  return { done, ms: performance.now() - started };
}

/**
 * Runs `autovacuumPass` every `intervalMs` on `clock` until `signal` aborts; a failed pass is
 * logged and the next one tried as usual. Does nothing on a PostgreSQL server, which has its own.
 */
export async function runAutovacuum(
  db: Db,
  clock: Clock,
  logger: AutovacuumLogger,
  signal: AbortSignal,
  intervalMs = AUTOVACUUM_NAPTIME_MS,
): Promise<void> {
  if (db.dialect !== 'pglite') return;
  for (;;) {
    await clock.sleep(intervalMs, signal);
    if (signal.aborted) return;
    try {
      const result = await autovacuumPass(db);
      if (result.done.length > 0) {
        logger.debug({ tables: result.done, ms: Math.round(result.ms) }, 'autovacuum');
      }
    } catch (err) {
      logger.warn({ err }, 'autovacuum failed');
    }
  }
}
