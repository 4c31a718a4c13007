/**
 * The backups docs/deploy.md describes, actually restored: data written through the store is
 * found again in the restored copy, for each store.
 * - Embedded PGlite: stop (close the store), copy `DATA_DIR`, open the copy.
 * - PostgreSQL: `pg_dump --format=custom` of a database with data, `pg_restore` into a fresh
 *   database, open it without migrating. Needs `TEST_DATABASE_URL` and `pg_dump`/`pg_restore` on
 *   PATH; skipped loudly without them. Its databases (`<db>_backup_…`, `<db>_restore_…`) are
 *   created and dropped here.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findAccountByUsername, upsertAccount } from '../../store/accounts.js';
import { openDatabase, type Db } from '../../store/db.js';
import { TEST_NOW, uniqueName } from '../../store/test-support/factories.js';

const MINUTE_MS = 60_000;
const URL_ = process.env.TEST_DATABASE_URL;
const TOOLS = ['pg_dump', 'pg_restore'].filter(
  (tool) => spawnSync(tool, ['--version']).status !== 0,
);
const missing = [
  ...(URL_ ? [] : ['TEST_DATABASE_URL=postgres://…']),
  ...TOOLS.map((t) => `${t} on PATH (apt-get install postgresql-client)`),
];
if (missing.length > 0) {
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! SKIPPED: the PostgreSQL backup-and-restore test needs ${missing.join(', ')}\n${line}\n`,
  );
}

/** Writes one account through the store; its username finds it again. */
async function writeAccount(db: Db): Promise<string> {
  const username = uniqueName('backup');
  await upsertAccount(db.kysely, {
    username,
    sessionKeyEnc: Buffer.from(`sealed key of ${username}`),
    now: TEST_NOW,
  });
  return username;
}

/** A restored store: migrated, holding the account written before the backup, taking writes. */
async function expectRestored(restored: Db, username: string): Promise<void> {
  expect(await restored.migrationsApplied()).toBe(true);
  expect(await findAccountByUsername(restored.kysely, username)).toMatchObject({
    username,
    session_key_enc: Buffer.from(`sealed key of ${username}`),
  });
  const after = await writeAccount(restored);
  expect(await findAccountByUsername(restored.kysely, after)).toBeDefined();
}

describe('backup and restore of the embedded store (PGlite): stop, copy DATA_DIR, start', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lasso-backup-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    'finds in the copy what was written before the stop, with the original gone',
    async () => {
      const dataDir = path.join(work, 'data');
      const backup = path.join(work, 'backup');
      const db = await openDatabase({ dataDir });
      const username = await writeAccount(db);
      await db.close();

      cpSync(dataDir, backup, { recursive: true });
      rmSync(dataDir, { recursive: true });

      const restored = await openDatabase({ dataDir: backup });
      try {
        await expectRestored(restored, username);
      } finally {
        await restored.close();
      }
    },
    5 * MINUTE_MS,
  );
});

describe.skipIf(missing.length > 0)('backup and restore on PostgreSQL: pg_dump, pg_restore', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lasso-pgdump-'));
  const base = URL_ ? new URL(URL_).pathname.slice(1) || 'lasso' : 'lasso';
  const suffix = randomBytes(4).toString('hex');
  const source = `${base}_backup_${suffix}`;
  const target = `${base}_restore_${suffix}`;
  const urlOf = (database: string) => {
    const url = new URL(URL_ ?? '');
    url.pathname = `/${database}`;
    return url.href;
  };
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: URL_ });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    for (const database of [source, target]) {
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
    rmSync(work, { recursive: true, force: true });
  }, MINUTE_MS);

  it(
    'finds in a fresh database restored from the dump what was written before it',
    async () => {
      await admin(`CREATE DATABASE ${source}`);
      const db = await openDatabase({ url: urlOf(source) });
      const username = await writeAccount(db);
      await db.close();

      const dump = path.join(work, 'lasso.dump');
      const dumped = spawnSync(
        'pg_dump',
        ['--format=custom', '--no-owner', `--file=${dump}`, `--dbname=${urlOf(source)}`],
        { encoding: 'utf8' },
      );
      expect(dumped.status, dumped.stderr).toBe(0);
      await admin(`DROP DATABASE ${source} WITH (FORCE)`);

      await admin(`CREATE DATABASE ${target}`);
      const restoredDump = spawnSync(
        'pg_restore',
        ['--no-owner', '--exit-on-error', `--dbname=${urlOf(target)}`, dump],
        { encoding: 'utf8' },
      );
      expect(restoredDump.status, restoredDump.stderr).toBe(0);

      const restored = await openDatabase({ url: urlOf(target), migrate: false });
      try {
        await expectRestored(restored, username);
      } finally {
        await restored.close();
      }
    },
    5 * MINUTE_MS,
  );
});
