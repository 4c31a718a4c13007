import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  deleteAccount,
  findAccountById,
  findAccountByUsername,
  guestAccounts,
  keepGuests,
  keepGuestsIn,
  lockAccountForDelete,
  lockGuests,
  revokeKey,
  setKeyState,
  setSessionKey,
  upsertAccount,
} from './accounts.js';
import { describeEachDatabase } from './test-support/databases.js';
import {
  insertAccount,
  insertFollow,
  insertOutbox,
  insertHost,
  randomHash,
  TEST_NOW,
  uniqueName,
} from './test-support/factories.js';
import { createWebSession } from './web-sessions.js';

const LATER = new Date(TEST_NOW.getTime() + 60_000);

describeEachDatabase('accounts', (t) => {
  it('creates an account with a valid key on first sign-in', async () => {
    const username = uniqueName('RJ');
    const key = Buffer.from('first-key');
    const account = await upsertAccount(t.db.kysely, {
      username,
      sessionKeyEnc: key,
      now: TEST_NOW,
    });
    expect(account).toMatchObject({
      username,
      username_lower: username.toLowerCase(),
      session_key_enc: key,
      key_state: 'valid',
      created_at: TEST_NOW,
      updated_at: TEST_NOW,
    });
    expect(await findAccountById(t.db.kysely, account.id)).toEqual(account);
  });

  it('updates the same account when the username differs only in case, taking the new spelling and key', async () => {
    const username = uniqueName('casey');
    const first = await upsertAccount(t.db.kysely, {
      username,
      sessionKeyEnc: Buffer.from('k1'),
      now: TEST_NOW,
    });
    await setKeyState(t.db.kysely, first.id, 'revoked', TEST_NOW);
    const second = await upsertAccount(t.db.kysely, {
      username: username.toUpperCase(),
      sessionKeyEnc: Buffer.from('k2'),
      now: LATER,
    });
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({
      username: username.toUpperCase(),
      session_key_enc: Buffer.from('k2'),
      key_state: 'valid',
      created_at: TEST_NOW,
      updated_at: LATER,
    });
    expect((await findAccountByUsername(t.db.kysely, username.toLowerCase()))?.id).toBe(first.id);
  });

  it('refuses to call a missing key valid', async () => {
    const account = await upsertAccount(t.db.kysely, {
      username: uniqueName('gone'),
      sessionKeyEnc: Buffer.from('k'),
      now: TEST_NOW,
    });
    await t.db.kysely
      .updateTable('accounts')
      .set({ session_key_enc: null, key_state: 'revoked', updated_at: LATER })
      .where('id', '=', account.id)
      .execute();
    await expect(setKeyState(t.db.kysely, account.id, 'valid', LATER)).rejects.toThrow(
      /accounts_valid_key_ck/,
    );
  });

  it('deletes an account with everything that references it, and nobody else’s', async () => {
    const db = t.db.kysely;
    const [gone, kept] = [await insertAccount(db), await insertAccount(db)];
    const host = await insertHost(db);
    for (const a of [gone, kept]) {
      const follow = await insertFollow(db, { guestId: a.id, hostId: host.id });
      await db
        .insertInto('follow_windows')
        .values({ follow_id: follow.id, opened_at: TEST_NOW })
        .execute();
      await insertOutbox(db, { followId: follow.id, guestId: a.id });
      await db
        .insertInto('events')
        .values({ guest_id: a.id, type: 'held', payload: {}, created_at: TEST_NOW })
        .execute();
      await createWebSession(db, { idHash: randomHash(), accountId: a.id, now: TEST_NOW });
    }
    expect(await deleteAccount(db, gone.id)).toBe(true);
    expect(await deleteAccount(db, gone.id)).toBe(false);
    const owners = async (): Promise<number[]> =>
      [
        ...(await db.selectFrom('follows').select('guest_id as id').execute()),
        ...(await db.selectFrom('outbox').select('guest_id as id').execute()),
        ...(await db.selectFrom('events').select('guest_id as id').execute()),
        ...(await db.selectFrom('web_sessions').select('account_id as id').execute()),
      ].map((r) => r.id);
    expect(await owners()).not.toContain(gone.id);
    expect((await owners()).filter((id) => id === kept.id)).toHaveLength(4);
    expect(
      await db.selectFrom('hosts').select('id').where('id', '=', host.id).execute(),
    ).toHaveLength(1);
  });

  it('reports false when the account does not exist', async () => {
    expect(await setKeyState(t.db.kysely, 987_654_321, 'revoked', TEST_NOW)).toBe(false);
    expect(await findAccountById(t.db.kysely, 987_654_321)).toBeUndefined();
  });

  it('revokes only a valid key: a disconnected one stays disconnected', async () => {
    const db = t.db.kysely;
    const valid = await insertAccount(db);
    const disconnected = await insertAccount(db, { key_state: 'disconnected' });
    await revokeKey(db, valid.id, LATER);
    await revokeKey(db, disconnected.id, LATER);
    expect(await findAccountById(db, valid.id)).toMatchObject({
      key_state: 'revoked',
      updated_at: LATER,
    });
    expect(await findAccountById(db, disconnected.id)).toMatchObject({
      key_state: 'disconnected',
      updated_at: TEST_NOW,
    });
  });

  it('reads and locks only the guests that exist', async () => {
    const db = t.db.kysely;
    const a = await insertAccount(db);
    const ids = [a.id, 987_654_321];
    expect((await guestAccounts(db, ids)).map((g) => g.id)).toEqual([a.id]);
    expect(await guestAccounts(db, [])).toEqual([]);
    await t.db.transaction(async (trx) => {
      expect((await lockGuests(trx, ids)).map((g) => g.id)).toEqual([a.id]);
      expect([...(await keepGuests(trx, ids))]).toEqual([a.id]);
      expect(await lockAccountForDelete(trx, a.id)).toBe(true);
      expect(await lockAccountForDelete(trx, 987_654_321)).toBe(false);
      await keepGuestsIn(trx, sql`SELECT ${a.id}::bigint`);
    });
  });

  it('stores the sealed session key as given', async () => {
    const account = await insertAccount(t.db.kysely);
    await setSessionKey(t.db.kysely, account.id, Buffer.from('sealed'));
    expect(await findAccountById(t.db.kysely, account.id)).toMatchObject({
      session_key_enc: Buffer.from('sealed'),
      updated_at: TEST_NOW,
    });
  });
});
