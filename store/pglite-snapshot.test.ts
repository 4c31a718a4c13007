import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from './migrate.js';
import {
  installedPgliteVersion,
  MANIFEST_FILE,
  manifestOf,
  pgliteOptions,
  SNAPSHOT_FILE,
  snapshotMismatch,
  tarEntries,
  writeSnapshot,
} from './pglite-snapshot.js';
import type { Database } from './schema.js';

/** PGlite starts take seconds each on a busy machine. */
const SLOW_MS = 180_000;

/** The catalog of the public schema, in a stable order: what two databases must share. */
const CATALOG = [
  `SELECT table_name, column_name, data_type, is_nullable, column_default
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`,
  `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`,
  `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
  `SELECT tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
  `SELECT proname, pg_get_functiondef(oid) AS def
     FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`,
  `SELECT name FROM schema_migrations ORDER BY name`,
];

async function catalog(pglite: PGlite): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const query of CATALOG) out.push((await pglite.query(query)).rows);
  return out;
}

/** Applies `migrations` through `pg` and Kysely, as Lasso does; returns the names applied. */
async function migrateWith(pglite: PGlite, migrations: Migration[]): Promise<string[]> {
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, idleTimeoutMillis: 0 });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await migrate(kysely, { migrations });
  } finally {
    await pool.end();
  }
}

async function migrationsRecorded(pglite: PGlite): Promise<string[]> {
  const found = await pglite.query<{ t: string | null }>(
    `SELECT to_regclass('schema_migrations')::text AS t`,
  );
  if (!found.rows[0]?.t) return [];
  const rows = await pglite.query<{ name: string }>(
    'SELECT name FROM schema_migrations ORDER BY 1',
  );
  return rows.rows.map((r) => r.name);
}

describe('snapshotMismatch', () => {
  const migrations: Migration[] = [
    { name: '001_a', sql: 'CREATE TABLE a (x int)' },
    { name: '002_b', sql: 'CREATE TABLE b (x int)' },
  ];

  it('accepts a snapshot of the same or fewer migrations (the newer ones go on top)', () => {
    expect(snapshotMismatch(manifestOf('1.0.0', migrations), '1.0.0', migrations)).toBeNull();
    expect(
      snapshotMismatch(manifestOf('1.0.0', migrations.slice(0, 1)), '1.0.0', migrations),
    ).toBeNull();
    expect(snapshotMismatch(manifestOf('1.0.0', []), '1.0.0', migrations)).toBeNull();
  });

  it('refuses an edited migration, one this code lacks, and another PGlite version', () => {
    const edited = [{ name: '001_a', sql: 'CREATE TABLE a (x bigint)' }, migrations[1]!];
    expect(snapshotMismatch(manifestOf('1.0.0', edited), '1.0.0', migrations)).toBe(
      'migration 001_a differs',
    );
    const renamed = [{ name: '001_z', sql: 'CREATE TABLE a (x int)' }];
    expect(snapshotMismatch(manifestOf('1.0.0', renamed), '1.0.0', migrations)).toBe(
      'migration 001_z differs',
    );
    const extra = [...migrations, { name: '003_c', sql: '' }];
    expect(snapshotMismatch(manifestOf('1.0.0', extra), '1.0.0', migrations)).toBe(
      'holds migrations this code lacks',
    );
    expect(snapshotMismatch(manifestOf('1.0.0', migrations), '2.0.0', migrations)).toBe(
      'made by PGlite 1.0.0, not 2.0.0',
    );
  });
});

describe('a PGlite started from the build snapshot', () => {
  let dir = '';
  let all: Migration[] = [];
  let older: Migration[] = [];
  let fresh: unknown[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lasso-snapshot-'));
    all = await loadMigrations();
    // As if the snapshot were built before the newest migration was added.
    older = all.slice(0, -1);
    const [, reference] = await Promise.all([
      writeSnapshot(dir, older),
      (async () => {
        const pglite = await PGlite.create({ dataDir: 'memory://' });
        await migrateWith(pglite, all);
        const figures = await catalog(pglite);
        await pglite.close();
        return figures;
      })(),
    ]);
    fresh = reference;
  }, SLOW_MS);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'holds the snapshot migrations at once, gets the newer ones on top and the schema of initdb + migrate',
    async () => {
      expect(all.length).toBeGreaterThan(1);
      const options = await pgliteOptions({ dataDir: 'memory://' }, { dir, migrations: all });
      expect(options.loadDataDir).toBeInstanceOf(Blob);
      const pglite = await PGlite.create(options);
      try {
        expect(await migrationsRecorded(pglite)).toEqual(older.map((m) => m.name));
        expect(await migrateWith(pglite, all)).toEqual([all.at(-1)?.name]);
        expect(await catalog(pglite)).toEqual(fresh);
        // What keeps it small: one database and 1 MB WAL segments.
        const { rows } = await pglite.query<{ databases: string[]; segment: string }>(
          `SELECT array_agg(datname::text) AS databases,
                  current_setting('wal_segment_size') AS segment FROM pg_database`,
        );
        expect(rows).toEqual([{ databases: ['postgres'], segment: '1MB' }]);
        // And only the WAL segment in use: PostgreSQL makes the next ones as it needs them.
        const tar = new Uint8Array(await readFile(path.join(dir, SNAPSHOT_FILE)));
        const wal = tarEntries(tar).filter((e) => /pg_wal\/[0-9A-F]{24}$/.test(e.name));
        expect(wal).toHaveLength(1);
        await pglite.exec(
          `CREATE TABLE wal_filler AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 30000) g;
           CHECKPOINT;`,
        );
        const filled = await pglite.query<{ n: number; segment: string }>(
          `SELECT count(*)::int AS n, pg_walfile_name(pg_current_wal_lsn()) AS segment FROM wal_filler`,
        );
        // Past the snapshot's segment: the ones after it were made again when needed.
        const [row] = filled.rows;
        expect(row?.n).toBe(30000);
        expect((row?.segment ?? '') > (wal[0]?.name.slice(-24) ?? '')).toBe(true);
      } finally {
        await pglite.close();
      }
    },
    SLOW_MS,
  );

  it(
    'fills an empty data folder from it, then reopens that folder as it is',
    async () => {
      const dataDir = path.join(dir, 'data');
      const first = await pgliteOptions({ dataDir }, { dir, migrations: all });
      expect(first.loadDataDir).toBeInstanceOf(Blob);
      let pglite = await PGlite.create(first);
      await migrateWith(pglite, all);
      await pglite.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)');
      await pglite.close();

      const again = await pgliteOptions({ dataDir }, { dir, migrations: all });
      expect(again).toEqual({ dataDir });
      pglite = await PGlite.create(again);
      try {
        expect((await pglite.query('SELECT x FROM kept')).rows).toEqual([{ x: 7 }]);
        expect(await migrationsRecorded(pglite)).toEqual(all.map((m) => m.name));
      } finally {
        await pglite.close();
      }
    },
    SLOW_MS,
  );

  it('is not used when a migration it holds was edited since, nor without a manifest', async () => {
    const edited = all.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    expect(await pgliteOptions({ dataDir: 'memory://' }, { dir, migrations: edited })).toEqual({
      dataDir: 'memory://',
    });
    const empty = await mkdtemp(path.join(os.tmpdir(), 'lasso-no-snapshot-'));
    try {
      expect(await pgliteOptions({ dataDir: 'memory://' }, { dir: empty })).toEqual({
        dataDir: 'memory://',
      });
      await writeFile(
        path.join(empty, MANIFEST_FILE),
        JSON.stringify({ pglite: await installedPgliteVersion(), migrations: [] }),
      );
      // A manifest without its tarball is a broken build: fail loudly rather than guess.
      await expect(pgliteOptions({ dataDir: 'memory://' }, { dir: empty })).rejects.toThrow();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
