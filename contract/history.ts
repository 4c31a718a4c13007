/** Past follows and what was sent for each. */
import { z } from 'zod';
import {
  epochMs,
  FollowState,
  Id,
  LastfmAnswer,
  PageInfo,
  PageQuery,
  PauseReason,
  ScrobbleCounts,
  ScrobbleStatus,
  StopReason,
  TrackPlay,
} from './common.js';

/** One listening window: opened at start/resume, closed at pause/stop (`ended_at` null while open). */
export const FollowWindow = z.object({
  started_at: epochMs('When the window opened'),
  ended_at: epochMs('When the window closed; null while open').nullable(),
});
export type FollowWindow = z.infer<typeof FollowWindow>;

/** A follow, past or current. */
export const FollowSummary = z.object({
  id: Id,
  target_username: z.string(),
  state: FollowState,
  started_at: epochMs('When the follow started'),
  ended_at: epochMs('When the follow stopped; null while it runs').nullable(),
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

/** One host scrobble of a follow and Last.fm's answer to it (see `LastfmAnswer`). */
export const SentScrobble = TrackPlay.extend({
  status: ScrobbleStatus,
  sent_at: epochMs('When Last.fm answered; null before').nullable(),
  ...LastfmAnswer.shape,
});
export type SentScrobble = z.infer<typeof SentScrobble>;

/** GET /api/session/history/:id answer. */
export const HistoryDetailResponse = PageInfo.extend({
  follow: FollowSummary,
  scrobbles: z.array(SentScrobble),
});
export type HistoryDetailResponse = z.infer<typeof HistoryDetailResponse>;

/**
 * GET /api/me/export answer (a JSON file download): everything Lasso holds about the guest's
 * listening, with each follow's scrobbles and Last.fm's answer to each.
 */
export const DataExport = z.object({
  exported_at: epochMs('When this file was made'),
  username: z.string(),
  follows: z.array(FollowSummary.extend({ scrobbles: z.array(SentScrobble) })),
});
export type DataExport = z.infer<typeof DataExport>;
