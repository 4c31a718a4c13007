import { expect, it } from 'vitest';
import { describeEachDatabase } from './test-support/databases.js';
import { insertAccount, randomHash, TEST_NOW } from './test-support/factories.js';
import {
  createWebSession,
  deleteWebSession,
  findWebSessionByHash,
  pruneWebSessions,
  touchWebSession,
} from './web-sessions.js';

const minutes = (n: number): Date => new Date(TEST_NOW.getTime() + n * 60_000);

describeEachDatabase('web sessions', (t) => {
  it('finds a session by the hash of its cookie', async () => {
    const account = await insertAccount(t.db.kysely);
    const idHash = randomHash();
    await createWebSession(t.db.kysely, { idHash, accountId: account.id, now: TEST_NOW });
    expect(await findWebSessionByHash(t.db.kysely, idHash)).toEqual({
      id_hash: idHash,
      account_id: account.id,
      created_at: TEST_NOW,
      last_seen_at: TEST_NOW,
    });
    expect(await findWebSessionByHash(t.db.kysely, randomHash())).toBeUndefined();
  });

  it('slides expiry on touch: a touched session is still found after its first expiry', async () => {
    const account = await insertAccount(t.db.kysely);
    const idHash = randomHash();
    await createWebSession(t.db.kysely, { idHash, accountId: account.id, now: TEST_NOW });
    expect(await touchWebSession(t.db.kysely, idHash, minutes(50))).toBe(true);
    // Expiry is 30 minutes of idleness: at minute 60 it was last seen at 50.
    expect(await findWebSessionByHash(t.db.kysely, idHash, minutes(30))).toMatchObject({
      last_seen_at: minutes(50),
      created_at: TEST_NOW,
    });
    expect(await findWebSessionByHash(t.db.kysely, idHash, minutes(51))).toBeUndefined();
    // A late, out-of-order touch never moves the time back.
    await touchWebSession(t.db.kysely, idHash, minutes(10));
    expect((await findWebSessionByHash(t.db.kysely, idHash))?.last_seen_at).toEqual(minutes(50));
    expect(await touchWebSession(t.db.kysely, randomHash(), minutes(50))).toBe(false);
  });

  it('signs out one browser, or every browser of an account', async () => {
    const [alice, bob] = [await insertAccount(t.db.kysely), await insertAccount(t.db.kysely)];
    const [a1, a2, b1] = [randomHash(), randomHash(), randomHash()];
    for (const [idHash, accountId] of [
      [a1, alice.id],
      [a2, alice.id],
      [b1, bob.id],
    ] as const) {
      await createWebSession(t.db.kysely, { idHash, accountId, now: TEST_NOW });
    }
    expect(await deleteWebSession(t.db.kysely, a1)).toBe(true);
    expect(await deleteWebSession(t.db.kysely, a1)).toBe(false);
    await createWebSession(t.db.kysely, { idHash: a1, accountId: alice.id, now: TEST_NOW });
    expect(await findWebSessionByHash(t.db.kysely, a2)).toBeDefined();
    expect(await findWebSessionByHash(t.db.kysely, b1)).toBeDefined();
  });

  it('prunes sessions not seen since the cutoff and keeps the others', async () => {
    const account = await insertAccount(t.db.kysely);
    const [old, fresh] = [randomHash(), randomHash()];
    await createWebSession(t.db.kysely, {
      idHash: old,
      accountId: account.id,
      now: minutes(-90_000),
    });
    await createWebSession(t.db.kysely, {
      idHash: fresh,
      accountId: account.id,
      now: minutes(-89_000),
    });
    expect(await pruneWebSessions(t.db.kysely, minutes(-89_500))).toBe(1);
    expect(await findWebSessionByHash(t.db.kysely, old)).toBeUndefined();
    expect(await findWebSessionByHash(t.db.kysely, fresh)).toBeDefined();
  });
});
