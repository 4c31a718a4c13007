/**
 * Past follows: GET /api/session/history (newest first, paged) and
 * GET /api/session/history/:id (one follow's scrobbles and Last.fm's answer to each, paged).
 */
import {
  HistoryDetailQuery,
  HistoryDetailResponse,
  HistoryParams,
  HistoryQuery,
  HistoryResponse,
} from '../../contract/index.js';
import type { Db } from '../../store/db.js';
import { guestHook, guestOf } from '../auth/guest.js';
import { errors } from '../errors.js';
import type { ApiDeps, RouteModule } from '../deps.js';
import type { FollowExtras } from './views.js';
import { followBody, sentScrobbleBody } from './views.js';

/**
 * Pause reason, now-playing choice and daily-limit hold of a guest's follows: the contract shows
 * them, `HistoryEntry` does not carry them (yet), so they are read from `follows` here. Only the
 * guest's own rows are read.
 */
export async function followExtras(
  db: Db,
  guestId: number,
  followIds: readonly number[],
): Promise<Map<number, FollowExtras>> {
  const extras = new Map<number, FollowExtras>();
  if (followIds.length === 0) return extras;
  const rows = await db.kysely
    .selectFrom('follows')
    .select(['id', 'pause_reason', 'mirror_now_playing', 'held_until'])
    .where('guest_id', '=', guestId)
    .where('id', 'in', [...followIds])
    .execute();
  for (const row of rows) {
    extras.set(row.id, {
      pauseReason: row.pause_reason,
      mirrorNowPlaying: row.mirror_now_playing,
      heldUntil: row.held_until?.getTime() ?? null,
    });
  }
  return extras;
}

/** Our follow ids are positive integers; any other id names no follow of this guest. */
function followIdOf(id: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

/** The history routes. */
export const historyRoutes: RouteModule<ApiDeps> = (app, deps) => {
  const requireGuest = guestHook(deps);
  const tags = ['history'];

  app.get(
    '/api/session/history',
    {
      onRequest: requireGuest,
      schema: { tags, querystring: HistoryQuery, response: { 200: HistoryResponse } },
    },
    async (request) => {
      const guestId = guestOf(request).accountId;
      const { page, per_page } = request.query;
      const entries = (await deps.engine.history(guestId)).toSorted(
        (a, b) => b.startedAt - a.startedAt || b.followId - a.followId,
      );
      const slice = entries.slice((page - 1) * per_page, page * per_page);
      const extras = await followExtras(
        deps.db,
        guestId,
        slice.map((e) => e.followId),
      );
      const now = deps.clock.now();
      return {
        page,
        per_page,
        total: entries.length,
        follows: slice.map((e) => followBody(e, extras.get(e.followId), now)),
      };
    },
  );

  app.get(
    '/api/session/history/:id',
    {
      onRequest: requireGuest,
      schema: {
        tags,
        params: HistoryParams,
        querystring: HistoryDetailQuery,
        response: { 200: HistoryDetailResponse },
      },
    },
    async (request) => {
      const guestId = guestOf(request).accountId;
      const followId = followIdOf(request.params.id);
      const { page, per_page } = request.query;
      // Another guest's follow is "not found", like one that does not exist.
      const detail =
        followId === null
          ? null
          : await deps.engine.historyDetail(guestId, followId, page, per_page);
      if (!detail) throw errors.notFound();
      const extras = await followExtras(deps.db, guestId, [detail.entry.followId]);
      return {
        page: detail.page,
        per_page: detail.perPage,
        total: detail.total,
        follow: followBody(detail.entry, extras.get(detail.entry.followId), deps.clock.now()),
        scrobbles: detail.scrobbles.map(sentScrobbleBody),
      };
    },
  );
};
