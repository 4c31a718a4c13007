/** Queries on `follows` and `follow_windows`: who follows whom, and when they were listening. */
import { sql } from 'kysely';
import { keepGuestsIn } from '../../store/accounts.js';
import type { DbExecutor, FollowRow, FollowUpdate, NewFollow } from '../../store/schema.js';
import type { WindowRow } from '../types.js';
import type { WindowOp } from '../decide/follow-state.js';

/** A follow with its windows, oldest first. */
export type FollowWithWindows = FollowRow & { windows: WindowRow[] };

/** The `follow_windows` columns a `WindowRow` is made of. */
interface WindowColumns {
  id: number;
  opened_at: Date;
  closed_at: Date | null;
  lead_artist: string | null;
  lead_track: string | null;
  lead_after_uts: number | null;
  lead_duration_ms: number | null;
  lead_uts: number | null;
}

/** A stored window as the engine's logic sees it. */
function windowRow(r: WindowColumns): WindowRow {
  const lead =
    r.lead_artist === null || r.lead_track === null || r.lead_after_uts === null
      ? null
      : {
          artist: r.lead_artist,
          track: r.lead_track,
          after_uts: r.lead_after_uts,
          duration_ms: r.lead_duration_ms,
          uts: r.lead_uts,
        };
  return { id: r.id, opened_at: r.opened_at, closed_at: r.closed_at, lead };
}

const WINDOW_COLUMNS = [
  'id',
  'opened_at',
  'closed_at',
  'lead_artist',
  'lead_track',
  'lead_after_uts',
  'lead_duration_ms',
  'lead_uts',
] as const;

/** The windows of `followIds`, oldest first, by follow id (every id present). */
export async function windowsOf(
  db: DbExecutor,
  followIds: readonly number[],
): Promise<Map<number, WindowRow[]>> {
  const byFollow = new Map<number, WindowRow[]>(followIds.map((id) => [id, []]));
  if (followIds.length === 0) return byFollow;
  const rows = await db
    .selectFrom('follow_windows')
    .select(['follow_id', ...WINDOW_COLUMNS])
    .where('follow_id', 'in', followIds)
    .orderBy('follow_id')
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  for (const r of rows) byFollow.get(r.follow_id)?.push(windowRow(r));
  return byFollow;
}

/** The follows a poll of `hostIds` considers: open ones, and those stopped after `stoppedSince`. */
function relevantTo(alias: 'f' | 'g', hostIds: readonly number[], stoppedSince: Date) {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  return sql<boolean>`${col('host_id')} = ANY(${[...hostIds]}::bigint[])
    AND (${col('state')} <> 'stopped' OR ${col('stopped_at')} > ${stoppedSince})`;
}

/** A follow joined with one of its windows (null columns: it has none). */
type FollowJoinedWindow = FollowRow & {
  [K in keyof WindowColumns as `w_${K}`]: WindowColumns[K] | null;
};

/** Splits a joined row into the follow and its window, if any. */
function splitJoined(r: FollowJoinedWindow): { follow: FollowRow; window: WindowRow | null } {
  const { w_id, w_opened_at, w_closed_at, w_lead_artist, w_lead_track, ...rest } = r;
  const { w_lead_after_uts, w_lead_duration_ms, w_lead_uts, ...follow } = rest;
  if (w_id === null || w_opened_at === null) return { follow, window: null };
  const columns = { id: w_id, opened_at: w_opened_at, closed_at: w_closed_at };
  const lead = { lead_artist: w_lead_artist, lead_track: w_lead_track };
  const uts = {
    lead_after_uts: w_lead_after_uts,
    lead_duration_ms: w_lead_duration_ms,
    lead_uts: w_lead_uts,
  };
  return { follow, window: windowRow({ ...columns, ...lead, ...uts }) };
}

/**
 * The follows a poll of these hosts must know, with their windows: every open (active or paused)
 * follow, and the stopped ones stopped after `stoppedSince` (their late scrobbles still count).
 * `lock` (the poll transaction): their guests' accounts, then the follows, FOR KEY SHARE, so a
 * guest's disconnection or a history prune waits for the poll's inserts rather than breaking
 * them, and a follow deleted first is simply not there (lock order: accounts, then follows).
 */
export async function followsOfHosts(
  db: DbExecutor,
  hostIds: readonly number[],
  stoppedSince: Date,
  lock = false,
): Promise<Map<number, FollowWithWindows[]>> {
  const byHost = new Map<number, FollowWithWindows[]>(hostIds.map((id) => [id, []]));
  if (hostIds.length === 0) return byHost;
  if (lock) {
    await keepGuestsIn(
      db,
      sql`SELECT g.guest_id FROM follows g WHERE ${relevantTo('g', hostIds, stoppedSince)}`,
    );
    await sql`SELECT f.id FROM follows f WHERE ${relevantTo('f', hostIds, stoppedSince)}
      ORDER BY f.id FOR KEY SHARE`.execute(db);
  }
  // One query: each follow once per window (or once with null window columns).
  const rows = await db
    .selectFrom('follows as f')
    .leftJoin('follow_windows as w', 'w.follow_id', 'f.id')
    .selectAll('f')
    .select([
      'w.id as w_id',
      'w.opened_at as w_opened_at',
      'w.closed_at as w_closed_at',
      'w.lead_artist as w_lead_artist',
      'w.lead_track as w_lead_track',
      'w.lead_after_uts as w_lead_after_uts',
      'w.lead_duration_ms as w_lead_duration_ms',
      'w.lead_uts as w_lead_uts',
    ])
    .where(relevantTo('f', hostIds, stoppedSince))
    .orderBy('f.id')
    .orderBy('w.opened_at')
    .orderBy('w.id')
    .execute();
  let current: FollowWithWindows | undefined;
  for (const { follow, window } of rows.map(splitJoined)) {
    if (current?.id !== follow.id) {
      current = { ...follow, windows: [] };
      byHost.get(follow.host_id)?.push(current);
    }
    if (window !== null) current.windows.push(window);
  }
  return byHost;
}

/** The guest's newest follow (any state), if they ever had one. */
export async function newestFollowOf(
  db: DbExecutor,
  guestId: number,
): Promise<FollowRow | undefined> {
  return db
    .selectFrom('follows')
    .selectAll()
    .where('guest_id', '=', guestId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The guest's open (active or paused) follow, locked for an update when `lock`. */
export async function openFollowOf(
  db: DbExecutor,
  guestId: number,
  lock = false,
): Promise<FollowRow | undefined> {
  const q = db
    .selectFrom('follows')
    .selectAll()
    .where('guest_id', '=', guestId)
    .where('state', '<>', 'stopped');
  return (lock ? q.forNoKeyUpdate() : q).executeTakeFirst();
}

/** The open follows of several guests (one per guest at most). */
export async function openFollowsOf(
  db: DbExecutor,
  guestIds: readonly number[],
): Promise<FollowRow[]> {
  if (guestIds.length === 0) return [];
  return db
    .selectFrom('follows')
    .selectAll()
    .where('guest_id', 'in', guestIds)
    .where('state', '<>', 'stopped')
    .orderBy('id')
    .execute();
}

/** Inserts a follow. */
export async function insertFollow(db: DbExecutor, values: NewFollow): Promise<FollowRow> {
  return db.insertInto('follows').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Updates a follow only if it is still in `expectedState`; false when it was not. */
export async function updateFollowIf(
  db: DbExecutor,
  followId: number,
  expectedState: FollowRow['state'],
  patch: FollowUpdate,
): Promise<boolean> {
  const result = await db
    .updateTable('follows')
    .set(patch)
    .where('id', '=', followId)
    .where('state', '=', expectedState)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Opens a window (unless one is open) or closes the open one (never before it opened). */
export async function applyWindowOpToDb(
  db: DbExecutor,
  followId: number,
  op: WindowOp,
): Promise<void> {
  if (op === null) return;
  if (op.op === 'open') {
    const lead = op.lead ?? null;
    await db
      .insertInto('follow_windows')
      .values({
        follow_id: followId,
        opened_at: op.at,
        lead_artist: lead?.artist ?? null,
        lead_track: lead?.track ?? null,
        lead_after_uts: lead?.after_uts ?? null,
        lead_duration_ms: lead?.duration_ms == null ? null : Math.round(lead.duration_ms),
        lead_uts: lead?.uts ?? null,
      })
      .onConflict((oc) => oc.column('follow_id').where('closed_at', 'is', null).doNothing())
      .execute();
    return;
  }
  await db
    .updateTable('follow_windows')
    .set((eb) => ({ closed_at: eb.fn('greatest', [eb.ref('opened_at'), eb.val(op.at)]) }))
    .where('follow_id', '=', followId)
    .where('closed_at', 'is', null)
    .execute();
}

/** Sets `held_until` on the guest's open follows and on `alsoIds`; returns the follows touched. */
export async function holdFollows(
  db: DbExecutor,
  guestId: number,
  alsoIds: readonly number[],
  until: Date,
): Promise<number[]> {
  const rows = await db
    .updateTable('follows')
    .set({ held_until: until })
    .where('guest_id', '=', guestId)
    .where((eb) =>
      alsoIds.length > 0
        ? eb.or([eb('state', '<>', 'stopped'), eb('id', 'in', alsoIds)])
        : eb('state', '<>', 'stopped'),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Records that the own-scrobble guard checked these follows at `now`. */
export async function markGuardChecked(
  db: DbExecutor,
  followIds: readonly number[],
  now: Date,
): Promise<void> {
  if (followIds.length === 0) return;
  await db
    .updateTable('follows')
    .set({ last_guard_check_at: now })
    .where('id', 'in', followIds)
    .execute();
}

/**
 * Records matched leads (`lead_uts`) on their windows, unless another poll recorded another
 * scrobble first: the once of a lead. Returns the ids of the windows whose lead is now the given
 * scrobble (newly or already).
 */
export async function recordLeads(
  db: DbExecutor,
  leads: readonly { windowId: number; uts: number }[],
): Promise<Set<number>> {
  if (leads.length === 0) return new Set();
  const values = leads.map((l) => sql`(${l.windowId}::bigint, ${l.uts}::bigint)`);
  const result = await sql<{ id: number }>`
    UPDATE follow_windows AS w SET lead_uts = v.uts
    FROM (VALUES ${sql.join(values)}) AS v(id, uts)
    WHERE w.id = v.id AND w.lead_artist IS NOT NULL AND (w.lead_uts IS NULL OR w.lead_uts = v.uts)
    RETURNING w.id`.execute(db);
  return new Set(result.rows.map((r) => r.id));
}

/**
 * Deletes up to `limit` stopped follows stopped before `cutoff` with no unsettled row (their
 * windows and outbox rows go with them); returns how many. A follow locked elsewhere (a poll
 * inserting for it) is skipped this time.
 */
export async function pruneStoppedFollows(
  db: DbExecutor,
  cutoff: Date,
  limit: number,
): Promise<number> {
  const result = await sql`
    DELETE FROM follows WHERE id IN (
      SELECT f.id FROM follows f
      WHERE f.state = 'stopped' AND f.stopped_at < ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.follow_id = f.id
          AND o.state IN ('pending', 'sending'))
      ORDER BY f.id LIMIT ${limit} FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
