/**
 * Queries on `outbox`, the durable queue of scrobbles to copy. Every state change is written
 * only to a row still in the state (and `sending_since`) it was read in, so a stale writer — an
 * instance whose lease ran out, a late reply — can never undo a newer decision.
 */
import { sql } from 'kysely';
import type { DbExecutor, NewOutbox, OutboxRow } from '../../store/schema.js';
import { ignoredEvent, ignoredReason } from '../events.js';
import type { FollowCounts } from '../decide/submit-logic.js';
import {
  UNMIRRORABLE_CODE,
  type EngineScrobble,
  type OutboxState,
  type OutboxUpdate,
  type RowId,
  type TimedTrack,
} from '../types.js';
import { insertEvents } from './events.js';

/** One row per guest and scrobble, the oldest follow's (one statement does not see its own rows). */
function oncePerGuest(rows: readonly NewOutbox[]): NewOutbox[] {
  const seen = new Set<string>();
  return [...rows]
    .sort((a, b) => a.follow_id - b.follow_id)
    .filter((r) => {
      const key = `${r.guest_id}\u0000${r.timestamp}\u0000${r.artist}\u0000${r.track}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** The follow and guest a new row is for, and when it may first be sent. */
export interface OutboxTarget {
  follow_id: RowId;
  guest_id: RowId;
  due: Date;
}

/**
 * The outbox row of a host scrobble for one follow: pending, due at `target.due`. A scrobble that
 * cannot be copied (`unmirrorable`) is settled at once instead: `ignored` with its code and a
 * reason the guest reads ("Not added: …"), so it shows in their feed and is never sent.
 */
export function newOutboxRow(target: OutboxTarget, s: EngineScrobble, now: Date): NewOutbox {
  const row = {
    follow_id: target.follow_id,
    guest_id: target.guest_id,
    artist: s.artist,
    track: s.track,
    album: s.album,
    timestamp: s.timestamp,
    image_url: s.imageUrl ?? null,
    created_at: now,
  };
  if (s.unmirrorable === undefined) {
    return { ...row, state: 'pending', next_attempt_at: target.due };
  }
  const code = UNMIRRORABLE_CODE[s.unmirrorable];
  return {
    ...row,
    state: 'ignored',
    next_attempt_at: now,
    ignored_code: code,
    ignored_message: ignoredReason(code),
    settled_at: now,
  };
}

/** A row `insertOutbox` inserted already settled as not added (see `newOutboxRow`). */
export type NotAddedRow = Pick<
  OutboxRow,
  'follow_id' | 'guest_id' | 'artist' | 'track' | 'album' | 'timestamp' | 'image_url'
> & { ignored_code: number; settled_at: Date };

/** What `insertOutbox` did. */
export interface OutboxInsert {
  /** Rows inserted (repeats of rows already there are not). */
  inserted: number;
  /** Of those, the ones settled at once as not added: counted and told to their guests. */
  notAdded: NotAddedRow[];
}

/**
 * Inserts scrobbles to copy, each at most once per guest: a row the guest already has in any
 * follow is left out. Windows of two follows of one guest can cover the same scrobble — a
 * catch-up reaching into an earlier follow's window, or the track playing at a re-start or a
 * switch (a lead) — and the profile must get it once. A row inserted as not added (ignored)
 * counts on its follow and makes an `ignored` event for its guest, as a settled batch would.
 */
export async function insertOutbox(
  db: DbExecutor,
  rows: readonly NewOutbox[],
): Promise<OutboxInsert> {
  if (rows.length === 0) return { inserted: 0, notAdded: [] };
  const values = oncePerGuest(rows).map(
    (r) =>
      sql`(${r.follow_id}::bigint, ${r.guest_id}::bigint, ${r.artist}::text, ${r.track}::text,
        ${r.album}::text, ${r.timestamp}::bigint, ${r.image_url ?? null}::text, ${r.state}::text,
        ${r.ignored_code ?? null}::int, ${r.ignored_message ?? null}::text,
        ${r.next_attempt_at}::timestamptz, ${r.created_at}::timestamptz,
        ${r.settled_at ?? null}::timestamptz)`,
  );
  const result = await sql<NotAddedRow & { state: OutboxState; ignored_code: number | null }>`
    INSERT INTO outbox (follow_id, guest_id, artist, track, album, "timestamp", image_url, state,
      ignored_code, ignored_message, next_attempt_at, created_at, settled_at)
    SELECT v.follow_id, v.guest_id, v.artist, v.track, v.album, v.ts, v.image_url, v.state,
      v.ignored_code, v.ignored_message, v.next_attempt_at, v.created_at, v.settled_at
    FROM (VALUES ${sql.join(values)}) AS v(follow_id, guest_id, artist, track, album, ts,
      image_url, state, ignored_code, ignored_message, next_attempt_at, created_at, settled_at)
    WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.guest_id = v.guest_id
      AND o."timestamp" = v.ts AND o.artist = v.artist AND o.track = v.track)
    ON CONFLICT ON CONSTRAINT outbox_follow_scrobble_key DO NOTHING
    RETURNING follow_id, guest_id, artist, track, album, "timestamp", image_url, state,
      ignored_code, settled_at`.execute(db);
  const notAdded = result.rows.flatMap(({ state, ...r }) =>
    state === 'ignored' && r.ignored_code !== null && r.settled_at !== null
      ? [{ ...r, ignored_code: r.ignored_code, settled_at: r.settled_at }]
      : [],
  );
  await recordNotAdded(db, notAdded);
  return { inserted: result.rows.length, notAdded };
}

/** The follow counters and guest events of rows inserted as not added. */
async function recordNotAdded(db: DbExecutor, rows: readonly NotAddedRow[]): Promise<void> {
  const first = rows[0];
  if (first === undefined) return;
  const perFollow = new Map<RowId, number>();
  for (const r of rows) perFollow.set(r.follow_id, (perFollow.get(r.follow_id) ?? 0) + 1);
  await addFollowCounts(
    db,
    [...perFollow].map(([follow_id, ignored]) => ({ follow_id, mirrored: 0, ignored })),
  );
  const events = rows.map((r) => ({ guestId: r.guest_id, event: ignoredEvent(r, r.ignored_code) }));
  await insertEvents(db, events, first.settled_at);
}

/** An update and the state the row must still be in for it to apply. */
export interface GuardedUpdate {
  update: OutboxUpdate;
  expectState: OutboxState;
  /** The row's `sending_since` as read (null for a pending row). */
  expectSince: Date | null;
}

/** Writes the updates in one statement; returns the ids of the rows they applied to. */
export async function applyOutboxUpdates(
  db: DbExecutor,
  items: readonly GuardedUpdate[],
): Promise<Set<number>> {
  if (items.length === 0) return new Set();
  const values = items.map(
    ({ update: u, expectState, expectSince }) =>
      sql`(${u.id}::bigint, ${u.state}::text, ${u.attempts}::int, ${u.next_attempt_at}::timestamptz,
        ${u.sending_since}::timestamptz, ${u.ignored_code}::int, ${u.ignored_message}::text,
        ${u.last_error}::text, ${u.settled_at}::timestamptz, ${expectState}::text,
        ${expectSince}::timestamptz)`,
  );
  const result = await sql<{ id: number }>`
    UPDATE outbox AS o SET state = v.state, attempts = v.attempts,
      next_attempt_at = v.next_attempt_at, sending_since = v.sending_since,
      ignored_code = v.ignored_code, ignored_message = v.ignored_message,
      last_error = v.last_error, settled_at = v.settled_at
    FROM (VALUES ${sql.join(values)}) AS v(id, state, attempts, next_attempt_at, sending_since,
      ignored_code, ignored_message, last_error, settled_at, exp_state, exp_since)
    WHERE o.id = v.id AND o.state = v.exp_state
      AND o.sending_since IS NOT DISTINCT FROM v.exp_since
    RETURNING o.id`.execute(db);
  return new Set(result.rows.map((r) => r.id));
}

/**
 * Guests with work due at `now`, most overdue first: pending rows due (valid key, no batch in
 * flight) or `sending` rows whose lease has run out (to reconcile, whatever the key).
 */
export async function dueGuests(db: DbExecutor, now: Date, limit: number): Promise<number[]> {
  const result = await sql<{ guest_id: number }>`
    SELECT guest_id FROM (
      SELECT o.guest_id, min(o.next_attempt_at) AS due
      FROM outbox o JOIN accounts a ON a.id = o.guest_id AND a.key_state = 'valid'
      WHERE o.state = 'pending' AND o.next_attempt_at <= ${now}
        AND NOT EXISTS (SELECT 1 FROM outbox s WHERE s.guest_id = o.guest_id
          AND s.state = 'sending' AND s.next_attempt_at > ${now})
      GROUP BY o.guest_id
      UNION ALL
      SELECT guest_id, min(next_attempt_at) FROM outbox
      WHERE state = 'sending' AND next_attempt_at <= ${now}
      GROUP BY guest_id
    ) d GROUP BY guest_id ORDER BY min(due) LIMIT ${limit}`.execute(db);
  return result.rows.map((r) => r.guest_id);
}

/**
 * The unsettled rows of each guest: every `sending` row and the oldest `pendingLimit` pending
 * ones (the submitter looks at the head of the queue only), oldest first.
 */
export async function guestQueues(
  db: DbExecutor,
  guestIds: readonly number[],
  pendingLimit: number,
): Promise<Map<number, OutboxRow[]>> {
  const queues = new Map<number, OutboxRow[]>(guestIds.map((id) => [id, []]));
  if (guestIds.length === 0) return queues;
  const rows = await sql<OutboxRow>`
    SELECT o.* FROM unnest(${[...guestIds]}::bigint[]) AS g(id)
    CROSS JOIN LATERAL (
      SELECT * FROM outbox WHERE guest_id = g.id AND state = 'pending'
      ORDER BY "timestamp", id LIMIT ${pendingLimit}
    ) o
    UNION ALL
    SELECT * FROM outbox WHERE guest_id = ANY(${[...guestIds]}::bigint[]) AND state = 'sending'`.execute(
    db,
  );
  for (const r of rows.rows) queues.get(r.guest_id)?.push(r);
  return queues;
}

/** The latest `held_until` after `now` over each guest's follows. */
export async function heldUntilOf(
  db: DbExecutor,
  guestIds: readonly number[],
  now: Date,
): Promise<Map<number, Date>> {
  if (guestIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('follows')
    .select(['guest_id', (eb) => eb.fn.max('held_until').as('until')])
    .where('guest_id', 'in', guestIds)
    .where('held_until', '>', now)
    .groupBy('guest_id')
    .execute();
  return new Map(rows.flatMap((r) => (r.until === null ? [] : [[r.guest_id, r.until]])));
}

/** Pushes the guest's pending rows due before `until` to `until` (a hold, or a queue head in back-off). */
export async function deferGuestRows(db: DbExecutor, guestId: number, until: Date): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: until })
    .where('guest_id', '=', guestId)
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<', until)
    .execute();
}

/** Makes the guest's pending rows due now (the key works again), unless a daily-cap hold runs. */
export async function makeGuestDue(db: DbExecutor, guestId: number, now: Date): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: now })
    .where('guest_id', '=', guestId)
    .where('state', '=', 'pending')
    .where('next_attempt_at', '>', now)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('follows')
            .select('id')
            .where('guest_id', '=', guestId)
            .where('held_until', '>', now),
        ),
      ),
    )
    .execute();
}

/** Adds settled counts onto the follows, in one statement. */
export async function addFollowCounts(
  db: DbExecutor,
  counts: readonly FollowCounts[],
): Promise<void> {
  if (counts.length === 0) return;
  const values = counts.map(
    (c) => sql`(${c.follow_id}::bigint, ${c.mirrored}::int, ${c.ignored}::int)`,
  );
  await sql`
    UPDATE follows AS f SET mirrored_count = f.mirrored_count + v.m,
      ignored_count = f.ignored_count + v.i
    FROM (VALUES ${sql.join(values)}) AS v(id, m, i) WHERE f.id = v.id`.execute(db);
}

/** The guest's accepted rows with a timestamp in [from, to]: what Lasso itself put on the profile. */
export async function acceptedBetween(
  db: DbExecutor,
  guestId: number,
  from: number,
  to: number,
): Promise<TimedTrack[]> {
  return db
    .selectFrom('outbox')
    .select(['artist', 'track', 'timestamp'])
    .where('guest_id', '=', guestId)
    .where('state', '=', 'accepted')
    .where('timestamp', '>=', from)
    .where('timestamp', '<=', to)
    .execute();
}

/**
 * Deletes rows settled before `settledBefore` of follows stopped before `stoppedBefore` (history
 * keeps the counts on the follow): a follow still waiting for other rows to be sent keeps only
 * those. Rows of open or recently stopped follows stay: a poll's re-read would insert a deleted
 * row again, and the own-scrobble guard tells Lasso's copies by them. Returns how many.
 */
export async function pruneSettled(
  db: DbExecutor,
  settledBefore: Date,
  stoppedBefore: Date,
): Promise<number> {
  const result = await sql`
    DELETE FROM outbox o USING follows f
    WHERE o.follow_id = f.id AND o.settled_at < ${settledBefore}
      AND f.state = 'stopped' AND f.stopped_at < ${stoppedBefore}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** The guest's rows not yet settled: pending (held ones too) and in flight. */
export async function unsettledCount(db: DbExecutor, guestId: number): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('guest_id', '=', guestId)
    .where('state', 'in', ['pending', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
