/** Past follows and what was sent for each. */
import { z } from 'zod';
import {
  EpochMs,
  FollowState,
  Id,
  PageInfo,
  PageQuery,
  PauseReason,
  ScrobbleStatus,
  StopReason,
  TrackPlay,
} from './common.js';

/** One listening window: opened at start/resume, closed at pause/stop (`ended_at` null while open). */
export const FollowWindow = z.object({ started_at: EpochMs, ended_at: EpochMs.nullable() });
export type FollowWindow = z.infer<typeof FollowWindow>;

/** How many host scrobbles of a follow are in each status. */
export const ScrobbleCounts = z.object({
  pending: z.number().int().nonnegative(),
  mirrored: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
  held: z.number().int().nonnegative(),
});
export type ScrobbleCounts = z.infer<typeof ScrobbleCounts>;

/** A follow, past or current. */
export const FollowSummary = z.object({
  id: Id,
  target_username: z.string(),
  state: FollowState,
  started_at: EpochMs,
  ended_at: EpochMs.nullable(),
  stop_reason: StopReason.nullable(),
  pause_reason: PauseReason.nullable(),
  mirror_now_playing: z.boolean(),
  windows: z.array(FollowWindow),
  counts: ScrobbleCounts,
});
export type FollowSummary = z.infer<typeof FollowSummary>;

/** GET /api/session/history query: newest follow first, paged. */
export const HistoryQuery = PageQuery;
export type HistoryQuery = z.infer<typeof HistoryQuery>;

/** GET /api/session/history answer. */
export const HistoryResponse = PageInfo.extend({ follows: z.array(FollowSummary) });
export type HistoryResponse = z.infer<typeof HistoryResponse>;

/** GET /api/session/history/:id path. */
export const HistoryParams = z.object({ id: Id });
export type HistoryParams = z.infer<typeof HistoryParams>;

/** GET /api/session/history/:id query: the follow's scrobbles, oldest first, paged. */
export const HistoryDetailQuery = PageQuery;
export type HistoryDetailQuery = z.infer<typeof HistoryDetailQuery>;

/**
 * One host scrobble of a follow and Last.fm's answer to it. `lastfm_code` is Last.fm's ignored
 * code (0 accepted, 1..5 ignored; Last.fm mostly says 1 whatever the reason), null until sent.
 */
export const SentScrobble = TrackPlay.extend({
  status: ScrobbleStatus,
  sent_at: EpochMs.nullable(),
  lastfm_code: z.number().int().nullable(),
  lastfm_message: z.string().nullable(),
});
export type SentScrobble = z.infer<typeof SentScrobble>;

/** GET /api/session/history/:id answer. */
export const HistoryDetailResponse = PageInfo.extend({
  follow: FollowSummary,
  scrobbles: z.array(SentScrobble),
});
export type HistoryDetailResponse = z.infer<typeof HistoryDetailResponse>;
