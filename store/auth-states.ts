/**
 * Queries on `auth_states`: the `state` of a Last.fm sign-in in progress, stored hashed, usable
 * once and only until it expires (it protects the callback against CSRF and replay).
 */
import type { DbExecutor } from './schema.js';

/** A sign-in being started. */
export interface CreateAuthStateInput {
  stateHash: Buffer;
  /** Where to send the browser after sign-in (validated by the server), or null. */
  returnTo: string | null;
  now: Date;
  expiresAt: Date;
}

/** Stores a new sign-in state. */
export async function createAuthState(db: DbExecutor, input: CreateAuthStateInput): Promise<void> {
  await db
    .insertInto('auth_states')
    .values({
      state_hash: input.stateHash,
      return_to: input.returnTo,
      created_at: input.now,
      expires_at: input.expiresAt,
    })
    .execute();
}

/**
 * Uses up a state: deletes it and returns its `returnTo` if it existed and had not expired at
 * `now`; otherwise null. Of two concurrent consumers of one state, at most one gets it.
 */
export async function consumeAuthState(
  db: DbExecutor,
  stateHash: Buffer,
  now: Date,
): Promise<{ returnTo: string | null } | null> {
  const row = await db
    .deleteFrom('auth_states')
    .where('state_hash', '=', stateHash)
    .returning(['return_to', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.expires_at.getTime() <= now.getTime()) return null;
  return { returnTo: row.return_to };
}

/** Deletes states that expired at or before `now`; returns how many. */
export async function pruneAuthStates(db: DbExecutor, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('auth_states')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
