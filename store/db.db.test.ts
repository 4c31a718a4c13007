import { chmod, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAccountByUsername, upsertAccount } from './accounts.js';
import { openDatabase } from './db.js';
import { loadMigrations } from './migrate.js';
import { describeEachDatabase } from './test-support/databases.js';
import { TEST_NOW } from './test-support/factories.js';

describe('openDatabase with embedded PGlite in a data folder', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lasso-store-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates and migrates a new folder, and the data survives close and re-open', async () => {
    const first = await openDatabase({ dataDir: path.join(dataDir, 'nested', 'data') });
    expect(first.dialect).toBe('pglite');
    expect(await first.migrationsApplied()).toBe(true);
    await upsertAccount(first.kysely, {
      username: 'Persisted',
      sessionKeyEnc: Buffer.from('k'),
      now: TEST_NOW,
    });
    await first.close();
    await first.close();

    const second = await openDatabase({ dataDir: path.join(dataDir, 'nested', 'data') });
    try {
      const account = await findAccountByUsername(second.kysely, 'persisted');
      expect(account).toMatchObject({ username: 'Persisted', created_at: TEST_NOW });
      const applied = await second.kysely
        .selectFrom('schema_migrations')
        .select('name')
        .orderBy('name')
        .execute();
      expect(applied.map((r) => r.name)).toEqual((await loadMigrations()).map((m) => m.name));
    } finally {
      await second.close();
    }
    // Two PGlite starts in workers: ~5 s on a quiet machine, 30 s seen with the cores busy.
  }, 120_000);
});

/** Every path under `dir` (itself included) that the group or others may read, write or enter. */
async function sharedPaths(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (p: string): Promise<void> => {
    const info = await lstat(p);
    if (!info.isSymbolicLink() && (info.mode & 0o077) !== 0) {
      found.push(`${path.relative(dir, p) || '.'} ${(info.mode & 0o777).toString(8)}`);
    }
    if (info.isDirectory()) for (const name of await readdir(p)) await visit(path.join(p, name));
  };
  await visit(dir);
  return found;
}

describe('openDatabase data folder permissions', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lasso-perm-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('leaves nothing under the data folder readable or writable by group or others, and repairs an old folder', async () => {
    const dataDir = path.join(root, 'data');
    const first = await openDatabase({ dataDir });
    await first.close();
    expect(await sharedPaths(dataDir)).toEqual([]);

    // A folder left by an older Lasso: 0755, with PGlite's 0666 files.
    await chmod(dataDir, 0o755);
    await chmod(path.join(dataDir, 'PG_VERSION'), 0o666);
    const second = await openDatabase({ dataDir });
    await second.close();
    expect(await sharedPaths(dataDir)).toEqual([]);
  }, 180_000);
});

describe('openDatabase URLs', () => {
  it('refuses an unknown scheme without echoing the rest of the URL', async () => {
    const failure = openDatabase({ url: 'mysql://user:secret@host/db' });
    await expect(failure).rejects.toThrow(/unsupported database URL scheme: mysql/);
    await expect(failure).rejects.not.toThrow(/secret/);
  });
});

describeEachDatabase('Db handle', (t) => {
  it('answers ping and names its dialect', async () => {
    await t.db.ping();
    expect(t.db.dialect).toBe(t.kind);
  });

  it('commits what a transaction wrote through its trx, and rolls it all back on error', async () => {
    await t.db.kysely.transaction().execute(async (trx) => {
      await upsertAccount(trx, {
        username: 'TxKept',
        sessionKeyEnc: Buffer.from('k'),
        now: TEST_NOW,
      });
    });
    const failed = t.db.kysely.transaction().execute(async (trx) => {
      await upsertAccount(trx, {
        username: 'TxLost',
        sessionKeyEnc: Buffer.from('k'),
        now: TEST_NOW,
      });
      throw new Error('abort');
    });
    await expect(failed).rejects.toThrow('abort');
    expect(await findAccountByUsername(t.db.kysely, 'txkept')).toBeDefined();
    expect(await findAccountByUsername(t.db.kysely, 'txlost')).toBeUndefined();
  });
});
