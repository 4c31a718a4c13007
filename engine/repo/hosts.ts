/**
 * Queries on `hosts`: the polling state of each followed Last.fm user, and the leases that let
 * several instances share the polling without two of them polling one host at once.
 */
import { sql } from 'kysely';
import type { DbExecutor, HostRow, HostUpdate } from '../../store/schema.js';

/**
 * `next_poll_at` of a host nobody needs polled (the column is NOT NULL). A fixed far date rather
 * than 'infinity', which node-postgres would not hand back as a Date.
 */
export const NEVER_POLL_AT = new Date(Date.UTC(9999, 0, 1));

/** Tries of `ensureHost`: a prune may delete an idle host row between its insert and its select. */
const ENSURE_ATTEMPTS = 3;

/**
 * The host named `username` (case-insensitively), created due for a poll now if new, and locked
 * FOR KEY SHARE so a history prune cannot delete it before the caller's follow references it.
 * The insert does nothing on a name taken meanwhile by another transaction; the select then sees it.
 */
export async function ensureHost(db: DbExecutor, username: string, now: Date): Promise<HostRow> {
  for (let attempt = 1; ; attempt++) {
    const inserted = await db
      .insertInto('hosts')
      .values({ username, next_poll_at: now, created_at: now })
      .onConflict((oc) => oc.constraint('hosts_username_lower_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return inserted;
    const found = await db
      .selectFrom('hosts')
      .selectAll()
      .where('username_lower', '=', username.toLowerCase())
      .forKeyShare()
      .executeTakeFirst();
    if (found) return found;
    if (attempt >= ENSURE_ATTEMPTS) throw new Error(`host ${username} vanished ${attempt} times`);
  }
}

/**
 * Claims the daily look at the host's avatar: true (and `image_checked_at = now`) when it was
 * never checked or last checked before `staleBefore`, so concurrent starts ask Last.fm once.
 */
export async function claimImageCheck(
  db: DbExecutor,
  hostId: number,
  now: Date,
  staleBefore: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('hosts')
    .set({ image_checked_at: now })
    .where('id', '=', hostId)
    .where((eb) =>
      eb.or([eb('image_checked_at', 'is', null), eb('image_checked_at', '<', staleBefore)]),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Stores the host's avatar (null: Last.fm has none). */
export async function saveHostImage(
  db: DbExecutor,
  hostId: number,
  imageUrl: string | null,
): Promise<void> {
  await db.updateTable('hosts').set({ image_url: imageUrl }).where('id', '=', hostId).execute();
}

/**
 * Deletes up to `limit` hosts no follow references any more and nobody holds a lease on (their
 * polling state, now-playing and avatar); returns how many. A host row locked elsewhere (a start
 * about to reference it) is skipped.
 */
export async function pruneUnfollowedHosts(
  db: DbExecutor,
  now: Date,
  limit: number,
): Promise<number> {
  const result = await sql`
    DELETE FROM hosts WHERE id IN (
      SELECT h.id FROM hosts h
      WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.host_id = h.id)
        AND (h.lease_until IS NULL OR h.lease_until <= ${now})
      ORDER BY h.id LIMIT ${limit} FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Claims up to `limit` due hosts whose lease is free or expired, oldest due first, skipping rows
 * another instance is claiming right now (SKIP LOCKED). The claim sets `next_poll_at` to the
 * lease end too: a crashed owner's host becomes due again exactly when its lease runs out, and a
 * wake-up during the poll (`wakeHost`) shows as a different value.
 */
export async function claimDueHosts(
  db: DbExecutor,
  owner: string,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<HostRow[]> {
  const due = db
    .selectFrom('hosts')
    .select('id')
    .where('next_poll_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .orderBy('next_poll_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  return db
    .updateTable('hosts')
    .set({ lease_owner: owner, lease_until: leaseUntil, next_poll_at: leaseUntil })
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

/** Extends a lease still held by `owner`; false when it was lost. */
export async function renewLease(
  db: DbExecutor,
  hostId: number,
  owner: string,
  until: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('hosts')
    .set((eb) => ({
      lease_until: until,
      // Keep a wake-up (a next_poll_at other than the lease end) as it is.
      next_poll_at: eb
        .case()
        .when('next_poll_at', '=', eb.ref('lease_until'))
        .then(until)
        .else(eb.ref('next_poll_at'))
        .end(),
    }))
    .where('id', '=', hostId)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Writes a poll's outcome and releases the lease, if `owner` still holds it (false when it was
 * lost). `next` becomes `next_poll_at` unless the host was woken meanwhile (`wakeHost` left a
 * `next_poll_at` other than the lease end the claim wrote) for an earlier time: a window opened
 * while Last.fm was answering is polled for at once. SET expressions see the row as it was.
 */
export async function finishLeasedPoll(
  db: DbExecutor,
  hostId: number,
  owner: string,
  patch: Omit<HostUpdate, 'next_poll_at' | 'lease_owner' | 'lease_until'>,
  next: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('hosts')
    .set((eb) => ({
      ...patch,
      lease_owner: null,
      lease_until: null,
      next_poll_at: eb
        .case()
        .when(
          eb.and([eb('next_poll_at', '<>', eb.ref('lease_until')), eb('next_poll_at', '<', next)]),
        )
        .then(eb.ref('next_poll_at'))
        .else(next)
        .end(),
    }))
    .where('id', '=', hostId)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Makes a host due now (a window opened), unless it is due sooner already. */
export async function wakeHost(db: DbExecutor, hostId: number, now: Date): Promise<void> {
  await db
    .updateTable('hosts')
    .set({ next_poll_at: now })
    .where('id', '=', hostId)
    .where('next_poll_at', '>', now)
    .execute();
}

/** Gives up every lease `owner` holds (shutdown): hosts claimed but not polled are due now. */
export async function releaseLeases(db: DbExecutor, owner: string, now: Date): Promise<void> {
  await db
    .updateTable('hosts')
    .set((eb) => ({
      lease_owner: null,
      lease_until: null,
      next_poll_at: eb
        .case()
        .when('next_poll_at', '=', eb.ref('lease_until'))
        .then(now)
        .else(eb.ref('next_poll_at'))
        .end(),
    }))
    .where('lease_owner', '=', owner)
    .execute();
}
