/**
 * The embedded store's checkpoints (`checkpoint.ts`), on PGlite only: single-user PostgreSQL
 * never checkpoints on its own, a server's checkpointer would race these counts.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import {
  CHECKPOINT_LOOK_MS,
  CHECKPOINT_TIMEOUT_MS,
  checkpointPass,
  logSinceCheckpoint,
  runCheckpoints,
} from './checkpoint.js';
import type { Db } from './db.js';
import { testDatabases } from './test-support/databases.js';
import { insertHost } from './test-support/factories.js';

const pglite = testDatabases().find((d) => d.name === 'pglite')!;

/** Some log: hosts inserted and rewritten. */
async function write(db: Db): Promise<void> {
  for (let i = 0; i < 20; i++) await insertHost(db.kysely);
  await sql`UPDATE hosts SET next_poll_at = next_poll_at + interval '1 minute'`.execute(db.kysely);
}

const redo = async (db: Db): Promise<string> =>
  (
    await sql<{ redo: string }>`SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()`.execute(
      db.kysely,
    )
  ).rows[0]!.redo;

describe('checkpoints [pglite]', () => {
  let db: Db;
  beforeAll(async () => {
    db = await pglite.open();
  });
  afterAll(async () => {
    await db.close();
  });

  it('runs PGlite with a 64 MB max_wal_size, what a checkpoint keeps for reuse', async () => {
    const { rows } = await sql<{ max_wal_size: string }>`SHOW max_wal_size`.execute(db.kysely);
    expect(rows[0]!.max_wal_size).toBe('64MB');
  });

  it('checkpoints when the time has come and log was written, and not before', async () => {
    await write(db);
    const before = await logSinceCheckpoint(db);
    expect(before).toBeGreaterThan(1024);
    expect(await checkpointPass(db, CHECKPOINT_TIMEOUT_MS - 1)).toBe(false);
    const redoBefore = await redo(db);
    expect(await checkpointPass(db, CHECKPOINT_TIMEOUT_MS)).toBe(true);
    expect(await redo(db)).not.toBe(redoBefore);
    expect(await logSinceCheckpoint(db)).toBeLessThan(before);
    // Nothing written since: no checkpoint, however long ago the last one was.
    expect(await checkpointPass(db, 10 * CHECKPOINT_TIMEOUT_MS)).toBe(false);
  });

  it('looks every minute on its clock and checkpoints five minutes after the last', async () => {
    const clock = new ManualClock();
    const logger = { debug: vi.fn(), warn: vi.fn() };
    const checkpointed = new Promise<void>((resolve) =>
      logger.debug.mockImplementation(() => resolve()),
    );
    const stop = new AbortController();
    const loop = runCheckpoints(db, clock, logger, stop.signal);
    await write(db);
    const redoBefore = await redo(db);
    for (let minute = 1; minute < 5; minute++) {
      await clock.advance(CHECKPOINT_LOOK_MS);
      // Each look is one query; let it finish before the next minute.
      await vi.waitFor(async () => expect(await redo(db)).toBe(redoBefore));
    }
    expect(logger.debug).not.toHaveBeenCalled();
    await clock.advance(CHECKPOINT_LOOK_MS);
    await checkpointed;
    expect(await redo(db)).not.toBe(redoBefore);
    stop.abort();
    await loop;
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('does nothing on a PostgreSQL server, which has its own checkpointer', async () => {
    const clock = new ManualClock();
    const logger = { debug: vi.fn(), warn: vi.fn() };
    await runCheckpoints(
      { ...db, dialect: 'postgres' },
      clock,
      logger,
      new AbortController().signal,
    );
    expect(clock.pending).toBe(0);
  });
});
