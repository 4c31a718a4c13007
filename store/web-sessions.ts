/**
 * Queries on `web_sessions`: signed-in browsers. The cookie holds a random id; the server hashes it
 * (SHA-256) and the store only ever sees the hash. Expiry slides: each use moves `last_seen_at`.
 */
import type { DbExecutor, WebSessionRow } from './schema.js';

/** A new session for a browser that just signed in. */
export interface CreateWebSessionInput {
  idHash: Buffer;
  accountId: number;
  now: Date;
}

/** Stores a new session. */
export async function createWebSession(
  db: DbExecutor,
  input: CreateWebSessionInput,
): Promise<WebSessionRow> {
  return db
    .insertInto('web_sessions')
    .values({
      id_hash: input.idHash,
      account_id: input.accountId,
      created_at: input.now,
      last_seen_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The session with this hash, if any and, given `seenSince`, only if it was last seen at or after
 * that time (older ones have expired).
 */
export async function findWebSessionByHash(
  db: DbExecutor,
  idHash: Buffer,
  seenSince?: Date,
): Promise<WebSessionRow | undefined> {
  let query = db.selectFrom('web_sessions').selectAll().where('id_hash', '=', idHash);
  if (seenSince) query = query.where('last_seen_at', '>=', seenSince);
  return query.executeTakeFirst();
}

/** Marks the session used now, sliding its expiry. Never moves it back. False when it is gone. */
export async function touchWebSession(db: DbExecutor, idHash: Buffer, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('web_sessions')
    .set((eb) => ({ last_seen_at: eb.fn<Date>('greatest', [eb.ref('last_seen_at'), eb.val(now)]) }))
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Signs one browser out. False when there was no such session. */
export async function deleteWebSession(db: DbExecutor, idHash: Buffer): Promise<boolean> {
  const result = await db
    .deleteFrom('web_sessions')
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Deletes sessions not seen since `lastSeenBefore`; returns how many. */
export async function pruneWebSessions(db: DbExecutor, lastSeenBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('web_sessions')
    .where('last_seen_at', '<', lastSeenBefore)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
