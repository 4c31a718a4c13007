/**
 * The engine's queries on `accounts` (the store's `accounts.ts` serves sign-in). The account row
 * is the submitter's per-guest lock: whoever holds it may claim that guest's outbox rows.
 */
import type { AccountRow, DbExecutor } from '../../store/schema.js';

/** What the submitter needs of a guest. */
export type GuestAccount = Pick<AccountRow, 'id' | 'username' | 'key_state' | 'session_key_enc'>;

/**
 * Locks the accounts of `ids` that no other transaction holds (FOR NO KEY UPDATE SKIP LOCKED:
 * another instance submitting for a guest makes this one skip the guest; inserts that reference
 * the account are not blocked).
 */
export async function lockGuests(db: DbExecutor, ids: readonly number[]): Promise<GuestAccount[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('accounts')
    .select(['id', 'username', 'key_state', 'session_key_enc'])
    .where('id', 'in', ids)
    .orderBy('id')
    .forNoKeyUpdate()
    .skipLocked()
    .execute();
}

/** The accounts of these guests (those that exist). */
export async function guestAccounts(
  db: DbExecutor,
  ids: readonly number[],
): Promise<GuestAccount[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('accounts')
    .select(['id', 'username', 'key_state', 'session_key_enc'])
    .where('id', 'in', ids)
    .execute();
}

/** Marks a valid key revoked (Last.fm error 9, or a key that cannot be decrypted). */
export async function revokeKey(db: DbExecutor, id: number, now: Date): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ key_state: 'revoked', updated_at: now })
    .where('id', '=', id)
    .where('key_state', '=', 'valid')
    .execute();
}

/**
 * Locks the accounts of `ids` FOR KEY SHARE (waiting for a disconnection in progress) and returns
 * those that still exist: a writer for the guests (a settle, a follow request) takes it first,
 * writes nothing for a guest who vanished meanwhile, and makes a disconnection wait until its
 * rows and events are written — never a foreign-key error or a deadlock between the two.
 */
export async function keepGuests(db: DbExecutor, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', 'in', ids)
    .orderBy('id')
    .forKeyShare()
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Locks the account for deletion (FOR UPDATE); false when there is no such account. */
export async function lockAccountForDelete(db: DbExecutor, id: number): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}
