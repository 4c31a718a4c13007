/**
 * Repeated statements on PGlite run prepared (`named-statements.ts`), with the same results as
 * unnamed ones, through errors and rolled-back transactions. On a server nothing is named.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './db.js';
import { describeEachDatabase, testDatabases } from './test-support/databases.js';
import { insertHost } from './test-support/factories.js';

const pglite = testDatabases().find((d) => d.name === 'pglite')!;

/** The statements this session has prepared (by the wire protocol or PREPARE). */
async function prepared(db: Db): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`
    SELECT statement FROM pg_prepared_statements`.execute(db.kysely);
  return rows.map((r) => r.statement);
}

describe('named statements [pglite]', () => {
  let db: Db;
  beforeAll(async () => {
    db = await pglite.open();
  });
  afterAll(async () => {
    await db.close();
  });

  const byId = (id: number) =>
    db.kysely.selectFrom('hosts').select(['id', 'username']).where('id', '=', id).execute();

  it('prepares a statement from its second run, with the same answers', async () => {
    const a = await insertHost(db.kysely);
    const b = await insertHost(db.kysely);
    const first = await byId(a.id);
    const text = 'select "id", "username" from "hosts" where "id" = $1';
    expect(await prepared(db)).not.toContain(text);
    const second = await byId(a.id);
    expect(await prepared(db)).toContain(text);
    expect(second).toEqual(first);
    expect(await byId(b.id)).toEqual([{ id: b.id, username: b.username }]);
    expect(await byId(-1)).toEqual([]);
  });

  it('keeps working after a statement fails and after a rolled-back transaction', async () => {
    const host = await insertHost(db.kysely);
    const insertSame = () =>
      db.kysely
        .insertInto('hosts')
        .values({ username: host.username, next_poll_at: new Date(), created_at: new Date() })
        .execute();
    for (let i = 0; i < 3; i++) await expect(insertSame()).rejects.toThrow(/unique|duplicate/i);
    await expect(
      db.transaction(async (trx) => {
        await trx.selectFrom('hosts').select('id').where('id', '=', host.id).execute();
        await trx.selectFrom('hosts').select('id').where('id', '=', host.id).execute();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(
      await db.kysely.selectFrom('hosts').select('id').where('id', '=', host.id).execute(),
    ).toEqual([{ id: host.id }]);
    expect(await byId(host.id)).toEqual([{ id: host.id, username: host.username }]);
  });

  it('leaves transaction control unprepared', async () => {
    for (let i = 0; i < 3; i++) await db.transaction(async (trx) => sql`SELECT 1`.execute(trx));
    expect((await prepared(db)).filter((s) => /^(begin|commit)/i.test(s))).toEqual([]);
  });
});

describeEachDatabase('named statements', (t) => {
  it('are used on PGlite only', async () => {
    for (let i = 0; i < 3; i++) await sql`SELECT 42 AS answer`.execute(t.db.kysely);
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = 'SELECT 42 AS answer'`.execute(
      t.db.kysely,
    );
    expect(Number(rows[0]!.n)).toBe(t.kind === 'pglite' ? 1 : 0);
  });
});
