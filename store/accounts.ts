/** Queries on `accounts`: the Last.fm users who signed in, and their encrypted session keys. */
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
