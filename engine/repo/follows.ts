/** Queries on `follows` and `follow_windows`: who follows whom, and when they were listening. */
import type { DbExecutor, FollowRow, FollowUpdate, NewFollow } from '../../store/schema.js';
import type { WindowRow } from '../types.js';
import type { WindowOp } from '../follow-state.js';

/** A follow with its windows, oldest first. */
export type FollowWithWindows = FollowRow & { windows: WindowRow[] };

/** The windows of `followIds`, oldest first, by follow id (every id present). */
export async function windowsOf(
  db: DbExecutor,
  followIds: readonly number[],
): Promise<Map<number, WindowRow[]>> {
  const byFollow = new Map<number, WindowRow[]>(followIds.map((id) => [id, []]));
  if (followIds.length === 0) return byFollow;
  const rows = await db
    .selectFrom('follow_windows')
    .select(['follow_id', 'opened_at', 'closed_at'])
    .where('follow_id', 'in', followIds)
    .orderBy('follow_id')
    .orderBy('opened_at')
    .execute();
  for (const r of rows)
    byFollow.get(r.follow_id)?.push({ opened_at: r.opened_at, closed_at: r.closed_at });
  return byFollow;
}

/**
 * The follows a poll of these hosts must know, with their windows: every open (active or paused)
 * follow, and the stopped ones stopped after `stoppedSince` (their late scrobbles still count).
 */
export async function followsOfHosts(
  db: DbExecutor,
  hostIds: readonly number[],
  stoppedSince: Date,
): Promise<Map<number, FollowWithWindows[]>> {
  const byHost = new Map<number, FollowWithWindows[]>(hostIds.map((id) => [id, []]));
  if (hostIds.length === 0) return byHost;
  // One query: each follow once per window (or once with null window columns).
  const rows = await db
    .selectFrom('follows as f')
    .leftJoin('follow_windows as w', 'w.follow_id', 'f.id')
    .selectAll('f')
    .select(['w.opened_at as w_opened_at', 'w.closed_at as w_closed_at'])
    .where('f.host_id', 'in', hostIds)
    .where((eb) => eb.or([eb('f.state', '<>', 'stopped'), eb('f.stopped_at', '>', stoppedSince)]))
    .orderBy('f.id')
    .orderBy('w.opened_at')
    .execute();
  let current: FollowWithWindows | undefined;
  for (const { w_opened_at, w_closed_at, ...f } of rows) {
    if (current?.id !== f.id) {
      current = { ...f, windows: [] };
      byHost.get(f.host_id)?.push(current);
    }
    if (w_opened_at !== null)
      current.windows.push({ opened_at: w_opened_at, closed_at: w_closed_at });
  }
  return byHost;
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
    await db
      .insertInto('follow_windows')
      .values({ follow_id: followId, opened_at: op.at })
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
