import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from './db.js';
import { loadMigrations, migrate, MigrationError, pendingMigrations } from './migrate.js';
import type { Migration } from './migrate.js';
import { testDatabases } from './test-support/databases.js';

async function tableExists(db: Db, table: string): Promise<boolean> {
  const { rows } = await sql<{
    found: string | null;
  }>`SELECT to_regclass(${table})::text AS found`.execute(db.kysely);
  return rows[0]?.found != null;
}

for (const database of testDatabases()) {
  describe.skipIf(!database.enabled)(`migrations [${database.name}]`, () => {
    const opened: Db[] = [];
    const open = async (empty: boolean): Promise<Db> => {
      const db = empty ? await database.openEmpty() : await database.open();
      opened.push(db);
      return db;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((db) => db.close()));
    });

    it('applies every migration file in order on an empty database, records each, then does nothing', async () => {
      const db = await open(true);
      const files = (await loadMigrations()).map((m) => m.name);
      expect(await db.migrationsApplied()).toBe(false);
      expect(await pendingMigrations(db.kysely)).toEqual(files);

      expect(await migrate(db.kysely)).toEqual(files);
      const recorded = await db.kysely
        .selectFrom('schema_migrations')
        .selectAll()
        .orderBy('name')
        .execute();
      expect(recorded.map((r) => r.name)).toEqual(files);
      expect(recorded[0]?.applied_at).toBeInstanceOf(Date);
      expect(await db.migrationsApplied()).toBe(true);

      expect(await migrate(db.kysely)).toEqual([]);
      expect(await db.kysely.selectFrom('schema_migrations').select('name').execute()).toHaveLength(
        files.length,
      );
      // Once all are applied it stops asking (none is ever un-recorded): /readyz costs one query.
      await db.kysely.deleteFrom('schema_migrations').execute();
      expect(await db.migrationsApplied()).toBe(true);
      // An empty PGlite runs initdb: seconds on a quiet machine, 30 s seen with the cores busy.
    }, 120_000);

    it('hands out databases that are already migrated', async () => {
      const db = await open(false);
      expect(await db.migrationsApplied()).toBe(true);
      expect(await migrate(db.kysely)).toEqual([]);
      expect(await tableExists(db, 'outbox')).toBe(true);
    });

    it('learns that nothing is pending from reads alone, and warns of migrations it has no file for', async () => {
      const db = await open(false);
      const files = await loadMigrations();
      const warnings: unknown[] = [];
      const logger = {
        info: () => undefined,
        warn: (fields: unknown) => warnings.push(fields),
        error: () => undefined,
      };
      // In a read-only transaction: taking the connection for the lock, or CREATE TABLE, would fail.
      const applied = await db.kysely.transaction().execute(async (trx) => {
        await sql`SET TRANSACTION READ ONLY`.execute(trx);
        return migrate(trx, { migrations: files.slice(1), logger });
      });
      expect(applied).toEqual([]);
      expect(warnings).toEqual([{ unknown: [files[0]?.name] }]);
    });

    it('applies each migration once when two migrators start together', async () => {
      const db = await open(true);
      const migrations: Migration[] = [
        { name: '001_a', sql: 'CREATE TABLE race_a (id int); CREATE TABLE race_b (id int);' },
        { name: '002_b', sql: 'ALTER TABLE race_a ADD COLUMN note text;' },
      ];
      const [first, second] = await Promise.all([
        migrate(db.kysely, { migrations }),
        migrate(db.kysely, { migrations }),
      ]);
      expect([...first, ...second].sort()).toEqual(['001_a', '002_b']);
    });

    it('rolls back a failing migration whole, records it not, and keeps the ones before it', async () => {
      const db = await open(true);
      const migrations: Migration[] = [
        { name: '001_good', sql: 'CREATE TABLE kept (id int);' },
        { name: '002_bad', sql: 'CREATE TABLE half_done (id int); SELECT 1 / 0;' },
        { name: '003_after', sql: 'CREATE TABLE never (id int);' },
      ];
      const failure = await migrate(db.kysely, { migrations }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(MigrationError);
      expect((failure as MigrationError).migration).toBe('002_bad');
      expect(await tableExists(db, 'kept')).toBe(true);
      expect(await tableExists(db, 'half_done')).toBe(false);
      expect(await tableExists(db, 'never')).toBe(false);
      expect(await pendingMigrations(db.kysely, migrations)).toEqual(['002_bad', '003_after']);
    });
  });
}
