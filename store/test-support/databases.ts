/**
 * Databases for tests: every store test runs on in-memory PGlite, and also on the PostgreSQL
 * server named by `TEST_DATABASE_URL` when it is set (CI sets it). Each `open()` is an isolated,
 * migrated database, cloned from a template migrated once:
 * - PGlite: the migrated data folder is dumped once to a tar in the OS temp folder (keyed by the
 *   migrations' and PGlite's content, so every test process after the first skips initdb and the
 *   migrations) and each database is loaded from it.
 * - PostgreSQL: `CREATE DATABASE lasso_t_<random> TEMPLATE lasso_tpl_<hash>` on that server; the
 *   template is built once (under an advisory lock, so concurrent Vitest workers build it once)
 *   and each test database is dropped when closed. The database the URL names is only used to
 *   connect: nothing is written into it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Db } from '../db.js';
import { dbFromDriver, openDatabase } from '../db.js';
import { silentLogger } from '../driver.js';
import { loadMigrations, migrate } from '../migrate.js';
import type { Migration } from '../migrate.js';
import { openPgliteDriver } from '../pglite-driver.js';

/** Which database a test runs on. */
export type DatabaseKind = 'pglite' | 'postgres';

/** One database kind the store tests run on. */
export interface TestDatabase {
  name: DatabaseKind;
  /** False for `postgres` when `TEST_DATABASE_URL` is unset: tests on it are skipped. */
  enabled: boolean;
  /** A fresh, isolated, migrated database. `close()` it: on a server that also drops it. */
  open(): Promise<Db>;
  /** A fresh, isolated database with no migration applied (for migration tests). */
  openEmpty(): Promise<Db>;
}

const SKIP_WARNING = 'PostgreSQL tests skipped: set TEST_DATABASE_URL';
let warned = false;

/** The databases to run store tests on; warns once per process when PostgreSQL is skipped. */
export function testDatabases(): TestDatabase[] {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && !warned) {
    warned = true;
    console.warn(SKIP_WARNING);
  }
  const disabled = (): Promise<Db> => Promise.reject(new Error(SKIP_WARNING));
  return [
    { name: 'pglite', enabled: true, open: openPgliteFromTemplate, openEmpty: openEmptyPglite },
    url
      ? {
          name: 'postgres',
          enabled: true,
          open: () => openServerDatabase(url, true),
          openEmpty: () => openServerDatabase(url, false),
        }
      : { name: 'postgres', enabled: false, open: disabled, openEmpty: disabled },
  ];
}

/** What `describeEachDatabase` hands its body: the database of the running test. */
export interface DatabaseContext {
  readonly kind: DatabaseKind;
  /** Opened before the block's first test, closed after its last. Only valid inside tests. */
  readonly db: Db;
}

/**
 * `describe(name)` once per database kind (`name [pglite]`, `name [postgres]`), skipped when that
 * kind is disabled. The block shares one fresh database: tests create their own rows (unique
 * names) rather than rely on an empty table.
 */
export function describeEachDatabase(name: string, fn: (ctx: DatabaseContext) => void): void {
  for (const entry of testDatabases()) {
    describe.skipIf(!entry.enabled)(`${name} [${entry.name}]`, () => {
      let db: Db | undefined;
      beforeAll(async () => {
        db = await entry.open();
      });
      afterAll(async () => {
        await db?.close();
      });
      fn({
        kind: entry.name,
        get db(): Db {
          if (!db) throw new Error('the test database is open only inside tests');
          return db;
        },
      });
    });
  }
}

// ---- PGlite ---------------------------------------------------------------------------------

const pgliteTemplates = new Map<'migrated' | 'empty', Promise<Blob>>();

async function openPgliteFromTemplate(): Promise<Db> {
  return openPgliteDump('migrated');
}

async function openEmptyPglite(): Promise<Db> {
  return openPgliteDump('empty');
}

async function openPgliteDump(kind: 'migrated' | 'empty'): Promise<Db> {
  let template = pgliteTemplates.get(kind);
  if (!template) pgliteTemplates.set(kind, (template = loadOrBuildPgliteTemplate(kind)));
  const driver = await openPgliteDriver({ loadDataDir: await template }, silentLogger);
  return dbFromDriver(driver);
}

async function loadOrBuildPgliteTemplate(kind: 'migrated' | 'empty'): Promise<Blob> {
  const migrations = kind === 'migrated' ? await loadMigrations() : [];
  const salt = `${kind}:${await installedPgliteVersion()}`;
  const dir = path.join(os.tmpdir(), 'lasso-test-templates');
  const prefix = `pglite-${kind}-`;
  const file = path.join(dir, `${prefix}${templateHash(migrations, salt)}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    // Not built yet by any process: build it below.
  }
  const driver = await openPgliteDriver({ dataDir: 'memory://' }, silentLogger);
  let dump: Blob;
  try {
    if (kind === 'migrated') await migrate(dbFromDriver(driver).kysely, { migrations });
    dump = await driver.dumpDataDir();
  } finally {
    await driver.close();
  }
  // Write then rename, so a concurrent reader never sees half a file.
  await mkdir(dir, { recursive: true });
  const partial = `${file}.${process.pid}.${randomHex(4)}`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  await rename(partial, file);
  // Dumps of older migrations or PGlite versions are 40 MB each of nothing useful.
  for (const old of await readdir(dir)) {
    if (old.startsWith(prefix) && old.endsWith('.tar') && path.join(dir, old) !== file) {
      await rm(path.join(dir, old), { force: true });
    }
  }
  return dump;
}

/** The package does not export its package.json: read it beside its entry point. */
async function installedPgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

// ---- PostgreSQL -----------------------------------------------------------------------------

/** Same on every worker, so concurrent workers build the template one at a time. */
const TEMPLATE_LOCK_KEY = 7_311_734_002;
let adminPool: pg.Pool | undefined;
let serverTemplate: Promise<string> | undefined;

async function openServerDatabase(url: string, migrated: boolean): Promise<Db> {
  const admin = serverAdmin(url);
  const template = migrated ? await (serverTemplate ??= buildServerTemplate(url)) : 'template0';
  const name = `lasso_t_${randomHex(8)}`;
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  let db: Db;
  try {
    db = await openDatabase({ url: databaseUrl(url, name), migrate: false, poolSize: 4 });
  } catch (err) {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    ...db,
    close: () =>
      (closing ??= db.close().then(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      })),
  };
}

function serverAdmin(url: string): pg.Pool {
  if (!adminPool) {
    // Exits on idle: there is no global teardown to end it.
    adminPool = new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true });
    adminPool.on('error', () => undefined);
  }
  return adminPool;
}

async function buildServerTemplate(url: string): Promise<string> {
  const migrations = await loadMigrations();
  const name = `lasso_tpl_${templateHash(migrations, 'server')}`;
  const client = await serverAdmin(url).connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await createServerTemplate(client, url, name, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return name;
}

async function createServerTemplate(
  client: pg.PoolClient,
  url: string,
  name: string,
  migrations: Migration[],
): Promise<void> {
  // Built under another name and renamed when complete: a crash midway leaves no half template.
  const building = `${name}_b${randomHex(4)}`;
  await client.query(`CREATE DATABASE ${building} TEMPLATE template0`);
  try {
    const db = await openDatabase({ url: databaseUrl(url, building), migrate: false, poolSize: 1 });
    try {
      await migrate(db.kysely, { migrations });
    } finally {
      await db.close();
    }
    await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
  } catch (err) {
    await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    throw err;
  }
  // Templates of older migrations are of no more use; one still being cloned is left alone.
  const stale = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'lasso\\_tpl\\_%' AND datname <> $1`,
    [name],
  );
  for (const { datname } of stale.rows) {
    await client.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
  }
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function templateHash(migrations: Migration[], salt: string): string {
  const hash = createHash('sha256').update(salt);
  for (const m of migrations) hash.update(`\0${m.name}\0${m.sql}`);
  return hash.digest('hex').slice(0, 16);
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
