/**
 * "Download my data": every follow of a guest with every scrobble Lasso holds for it, oldest
 * follow first and, within a follow, oldest scrobble first (a record reads in time order). No
 * paging and no 100-follow limit: history pruning (`historyDays`) bounds what there is.
 */
import type { DbExecutor, OutboxRow } from '../../store/schema.js';
import type { GuestExport } from '../engine-api.js';
import { entries, followsQuery, heldUntil, historyScrobble } from './views.js';

/** Everything about the guest's listening (see `EngineApi.exportData`). */
export async function exportView(db: DbExecutor, guestId: number, now: Date): Promise<GuestExport> {
  const follows = (await followsQuery(db, guestId).execute()).reverse();
  const ids = follows.map((f) => f.id);
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('outbox')
          .selectAll()
          .where('follow_id', 'in', ids)
          .orderBy('follow_id')
          .orderBy('timestamp')
          .orderBy('id')
          .execute();
  const byFollow = new Map<number, OutboxRow[]>(ids.map((id) => [id, []]));
  for (const r of rows) byFollow.get(r.follow_id)?.push(r);
  const withEntries = await entries(db, follows);
  return {
    follows: follows.map((f, i) => {
      const held = heldUntil(f, now);
      return {
        // `entries` keeps the order and length of `follows`.
        entry: withEntries[i]!,
        pauseReason: f.pause_reason,
        mirrorNowPlaying: f.mirror_now_playing,
        heldUntil: held?.getTime() ?? null,
        scrobbles: (byFollow.get(f.id) ?? []).map((r) => historyScrobble(r, held !== null)),
      };
    }),
  };
}
