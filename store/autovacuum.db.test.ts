/**
 * The embedded store's autovacuum (`autovacuum.ts`), on PGlite only: a PostgreSQL server runs
 * its own, which would race these counts.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { AUTOVACUUM_NAPTIME_MS, autovacuumPass, runAutovacuum } from './autovacuum.js';
import type { Db } from './db.js';
import { testDatabases } from './test-support/databases.js';
import { insertHost } from './test-support/factories.js';

const pglite = testDatabases().find((d) => d.name === 'pglite')!;

/** `hosts`' dead rows and the planner's row estimate (-1: never vacuumed nor analysed). */
async function hostsCounters(db: Db): Promise<{ dead: number; reltuples: number }> {
  await sql`SELECT pg_stat_force_next_flush()`.execute(db.kysely);
  const { rows } = await sql<{ dead: string; reltuples: number }>`
    SELECT s.n_dead_tup AS dead, c.reltuples FROM pg_stat_user_tables s
    JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'hosts'`.execute(db.kysely);
  return { dead: Number(rows[0]!.dead), reltuples: Number(rows[0]!.reltuples) };
}

/** `n` hosts, each updated `rounds` times: `n × rounds` dead rows. */
async function churn(db: Db, n: number, rounds: number): Promise<void> {
  for (let i = 0; i < n; i++) await insertHost(db.kysely);
  for (let r = 0; r < rounds; r++) {
    await sql`UPDATE hosts SET next_poll_at = next_poll_at + interval '1 minute'`.execute(
      db.kysely,
    );
  }
}

const quietLogger = () => ({ debug: vi.fn(), warn: vi.fn() });

describe('autovacuum [pglite]', () => {
  let db: Db;
  beforeAll(async () => {
    db = await pglite.open();
  });
  afterAll(async () => {
    await db.close();
  });

  it('vacuums and analyses a table past its thresholds, and then leaves it be', async () => {
    await autovacuumPass(db);
    expect((await autovacuumPass(db)).done).toEqual([]);
    await churn(db, 100, 5);
    const before = await hostsCounters(db);
    expect(before.dead).toBeGreaterThanOrEqual(500);

    const pass = await autovacuumPass(db);
    expect(pass.done).toContainEqual({ table: 'hosts', upkeep: 'vacuum-analyze' });
    const after = await hostsCounters(db);
    expect(after.dead).toBe(0);
    expect(after.reltuples).toBe(100);
    expect((await autovacuumPass(db)).done).toEqual([]);
  });

  it('only analyses a table with a few new rows, and vacuums one that grew by thousands', async () => {
    await autovacuumPass(db);
    await sql`INSERT INTO api_rate_buckets (key, tokens, granted, updated_at, full_at)
      SELECT 'k' || g, 1, 0, now(), now() FROM generate_series(1, 60) g`.execute(db.kysely);
    expect((await autovacuumPass(db)).done).toEqual([
      { table: 'api_rate_buckets', upkeep: 'analyze' },
    ]);
    await sql`INSERT INTO api_rate_buckets (key, tokens, granted, updated_at, full_at)
      SELECT 'm' || g, 1, 0, now(), now() FROM generate_series(1, 1500) g`.execute(db.kysely);
    expect((await autovacuumPass(db)).done).toEqual([
      { table: 'api_rate_buckets', upkeep: 'vacuum-analyze' },
    ]);
  });

  it('passes every naptime on its clock while other queries and a transaction go on', async () => {
    await autovacuumPass(db);
    await churn(db, 50, 4);
    const clock = new ManualClock();
    const logger = quietLogger();
    const passed = new Promise<void>((resolve) => logger.debug.mockImplementation(() => resolve()));
    const stop = new AbortController();
    const loop = runAutovacuum(db, clock, logger, stop.signal);

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.transaction(async (trx) => {
      await sql`UPDATE hosts SET next_poll_at = next_poll_at`.execute(trx);
      await held;
    });
    await clock.advance(AUTOVACUUM_NAPTIME_MS - 1);
    expect(logger.debug).not.toHaveBeenCalled();
    await clock.advance(1);
    const reads = Array.from({ length: 20 }, () =>
      sql<{ n: string }>`SELECT count(*) AS n FROM hosts`.execute(db.kysely),
    );
    release();
    await transaction;
    await passed;
    expect((await Promise.all(reads)).every((r) => Number(r.rows[0]!.n) >= 50)).toBe(true);
    expect(logger.debug.mock.calls[0]![0]).toMatchObject({
      tables: expect.arrayContaining([{ table: 'hosts', upkeep: 'vacuum-analyze' }]),
    });
    expect((await hostsCounters(db)).dead).toBe(0);

    stop.abort();
    await loop;
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('logs a failed pass and tries again at the next naptime', async () => {
    const closed = await pglite.open();
    await closed.close();
    const clock = new ManualClock();
    const logger = quietLogger();
    let failures = 0;
    const failed = (n: number) =>
      new Promise<void>((resolve) => {
        logger.warn.mockImplementation(() => {
          failures += 1;
          if (failures >= n) resolve();
        });
      });
    const stop = new AbortController();
    const loop = runAutovacuum(closed, clock, logger, stop.signal);
    const first = failed(1);
    await clock.advance(AUTOVACUUM_NAPTIME_MS);
    await first;
    const second = failed(2);
    await clock.advance(AUTOVACUUM_NAPTIME_MS);
    await second;
    expect(logger.warn).toHaveBeenLastCalledWith(
      expect.objectContaining({ err: expect.any(Error) }),
      'autovacuum failed',
    );
    stop.abort();
    await loop;
  });

  it('does nothing on a PostgreSQL server, which has its own', async () => {
    const clock = new ManualClock();
    await runAutovacuum(
      { ...db, dialect: 'postgres' },
      clock,
      quietLogger(),
      new AbortController().signal,
    );
    expect(clock.pending).toBe(0);
  });
});
