/**
 * Applies `store/migrations/NNN_name.sql` in name order, each in its own transaction, and records
 * each in `schema_migrations`. A session advisory lock makes instances that start together take
 * turns: the second finds everything applied and does nothing. (PGlite has one connection, so the
 * lock is trivially free there.)
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { StoreLogger } from './driver.js';
import { silentLogger } from './driver.js';
import { loadMigrations, type Migration } from './migration-files.js';
import type { Database } from './schema.js';

export { loadMigrations, migrationsDir, type Migration } from './migration-files.js';

/** A migration that failed; nothing of it was kept. */
export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(
      `migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'MigrationError';
  }
}

/** Arbitrary but fixed: every Lasso instance must use the same key. */
const MIGRATION_LOCK_KEY = 7_311_734_001;

/** Options of `migrate`. */
export interface MigrateOptions {
  /** Default: `loadMigrations()`. */
  migrations?: Migration[];
  logger?: StoreLogger;
}

/**
 * Applies the pending migrations; returns the names applied now (empty when up to date).
 *
 * Most starts find nothing to do, and learn it from two reads, without the lock or the
 * `CREATE TABLE IF NOT EXISTS`: applied migrations are never un-recorded, so "all applied" read
 * without the lock stays true. Only when something is pending does it take the lock and read again.
 */
export async function migrate(
  db: Kysely<Database>,
  options: MigrateOptions = {},
): Promise<string[]> {
  const migrations = options.migrations ?? (await loadMigrations());
  const logger = options.logger ?? silentLogger;
  const recorded = await recordedNames(db);
  if (recorded && migrations.every((m) => recorded.has(m.name))) {
    warnUnknown(recorded, migrations, logger);
    return [];
  }
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
        name text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`.execute(conn);
      const applied = await appliedNames(conn);
      const done: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        await applyOne(conn, migration);
        logger.info({ migration: migration.name }, 'migration applied');
        done.push(migration.name);
      }
      warnUnknown(applied, migrations, logger);
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

/** Names of migrations not yet applied (all of them when `schema_migrations` does not exist). */
export async function pendingMigrations(
  db: Kysely<Database>,
  migrations?: Migration[],
): Promise<string[]> {
  const all = migrations ?? (await loadMigrations());
  const applied = (await recordedNames(db)) ?? new Set<string>();
  return all.filter((m) => !applied.has(m.name)).map((m) => m.name);
}

/** The migrations `schema_migrations` records, or null when the table does not exist yet. */
async function recordedNames(db: Kysely<Database>): Promise<Set<string> | null> {
  const exists = await sql<{
    found: string | null;
  }>`SELECT to_regclass('schema_migrations')::text AS found`.execute(db);
  return exists.rows[0]?.found ? appliedNames(db) : null;
}

/** Warns of recorded migrations this code has no file for (newer code ran on this database). */
function warnUnknown(applied: Set<string>, migrations: Migration[], logger: StoreLogger): void {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = [...applied].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    logger.warn({ unknown }, 'database has migrations this code does not know (newer code ran?)');
  }
}

async function appliedNames(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db.selectFrom('schema_migrations').select('name').execute();
  return new Set(rows.map((r) => r.name));
}

async function applyOne(conn: Kysely<Database>, migration: Migration): Promise<void> {
  await sql`BEGIN`.execute(conn);
  try {
    // No parameters: sent as a simple query, so a file may hold many statements.
    await sql.raw(migration.sql).execute(conn);
    await conn.insertInto('schema_migrations').values({ name: migration.name }).execute();
    await sql`COMMIT`.execute(conn);
  } catch (err) {
    await sql`ROLLBACK`.execute(conn).catch(() => undefined);
    throw new MigrationError(migration.name, err);
  }
}
