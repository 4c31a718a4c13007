/**
 * Queries on `accounts`: the Last.fm users who signed in, and their encrypted session keys. The
 * one module that queries the table: sign-in (the server) and the engine both call it. For the
 * engine the account row is also the per-guest lock: whoever holds it may claim that guest's
 * outbox rows, and whoever writes for a guest takes it first (engine/README.md → Runtime).
 */
import { sql, type Expression } from 'kysely';
import type { AccountRow, DbExecutor, KeyState } from './schema.js';

/** What a sign-in stores: the name as Last.fm spells it and the server-encrypted session key. */
export interface UpsertAccountInput {
  username: string;
  /** AES-256-GCM blob made by the server. */
  sessionKeyEnc: Buffer;
  now: Date;
}

/**
 * Creates the account, or updates the one whose username matches case-insensitively: takes the
 * new spelling and key, and marks the key valid again (a sign-in after a revocation repairs it).
 */
export async function upsertAccount(
  db: DbExecutor,
  input: UpsertAccountInput,
): Promise<AccountRow> {
  return db
    .insertInto('accounts')
    .values({
      username: input.username,
      session_key_enc: input.sessionKeyEnc,
      key_state: 'valid',
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) =>
      oc.column('username_lower').doUpdateSet((eb) => ({
        username: eb.ref('excluded.username'),
        session_key_enc: eb.ref('excluded.session_key_enc'),
        key_state: 'valid',
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Stores the encrypted session key of an account (sealed with its id, so after the upsert). */
export async function setSessionKey(
  db: DbExecutor,
  id: number,
  sessionKeyEnc: Buffer,
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ session_key_enc: sessionKeyEnc })
    .where('id', '=', id)
    .execute();
}

/** The account with this id, if any. */
export async function findAccountById(db: DbExecutor, id: number): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The account with this username, compared case-insensitively, if any. */
export async function findAccountByUsername(
  db: DbExecutor,
  username: string,
): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('username_lower', '=', username.toLowerCase())
    .executeTakeFirst();
}

/**
 * Records what Last.fm said about the key (e.g. `revoked` after error 9). Setting `valid` on an
 * account without a key is refused by the database. Returns false when there is no such account.
 */
export async function setKeyState(
  db: DbExecutor,
  id: number,
  state: KeyState,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('accounts')
    .set({ key_state: state, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Deletes the account and, by cascade, everything Lasso holds about the guest: web sessions,
 * follows with their windows and outbox rows, events. Returns false when there is no such account.
 */
export async function deleteAccount(db: DbExecutor, id: number): Promise<boolean> {
  const result = await db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** What the engine's submitter needs of a guest. */
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

/**
 * Marks a valid key revoked (Last.fm error 9, or a key that cannot be decrypted). Unlike
 * `setKeyState`, a key already revoked or disconnected is left as it is.
 */
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

/**
 * `keepGuests` for the guests a subquery names (the poll transaction: the guests of a host's
 * follows), in one statement and without returning them.
 */
export async function keepGuestsIn(db: DbExecutor, guestIds: Expression<unknown>): Promise<void> {
  await sql`SELECT a.id FROM accounts a WHERE a.id IN (${guestIds})
    ORDER BY a.id FOR KEY SHARE`.execute(db);
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
