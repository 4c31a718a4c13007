/** The guest's follow: start, catch-up preview, pause/resume/stop, status. */
import { z } from 'zod';
import {
  EpochMs,
  FollowState,
  NowPlayingTrack,
  PauseReason,
  ScrobbleStatus,
  StopReason,
  TrackPlay,
  Username,
} from './common.js';

/**
 * POST /api/session/start body. `catch_up_since` (epoch ms, confirmed by the guest after seeing
 * the preview) also mirrors the host's scrobbles since then; the server caps how far back.
 */
export const StartRequest = z
  .object({
    target_username: Username,
    mirror_now_playing: z.boolean().default(false),
    catch_up_since: EpochMs.optional(),
  })
  .strict();
export type StartRequest = z.infer<typeof StartRequest>;

/** POST /api/session/start answer. */
export const StartResponse = z.object({
  success: z.literal(true),
  target_username: z.string(),
  state: FollowState,
});
export type StartResponse = z.infer<typeof StartResponse>;

/** GET /api/session/catch-up query: what a catch-up since `since` (epoch ms) would add. */
export const CatchUpQuery = z.object({
  target_username: Username,
  since: z.coerce.number().int().nonnegative(),
});
export type CatchUpQuery = z.infer<typeof CatchUpQuery>;

/** The catch-up preview. `capped`: there were more than the server will add; `total` counts all. */
export const CatchUpPreview = z.object({
  target_username: z.string(),
  since: EpochMs,
  scrobbles: z.array(TrackPlay),
  total: z.number().int().nonnegative(),
  capped: z.boolean(),
});
export type CatchUpPreview = z.infer<typeof CatchUpPreview>;

/** POST /api/session/pause, /resume, /stop answer. */
export const StateChangeResponse = z.object({ success: z.literal(true), state: FollowState });
export type StateChangeResponse = z.infer<typeof StateChangeResponse>;

/** One host scrobble as it stands for the guest. */
export const RecentScrobble = TrackPlay.extend({ status: ScrobbleStatus });
export type RecentScrobble = z.infer<typeof RecentScrobble>;

/**
 * GET /api/session/status answer. Fields about a follow are null when `state` is `not_started`.
 * `pause_reason` is set only while paused, `stop_reason` only once stopped, `held_until` only
 * while sending waits for Last.fm's daily scrobble limit.
 */
export const StatusResponse = z
  .object({
    state: FollowState,
    target_username: z.string().nullable(),
    scrobble_count: z.number().int().nonnegative(),
    recent_scrobbles: z.array(RecentScrobble),
    last_poll: EpochMs.nullable(),
    now_playing: NowPlayingTrack.nullable(),
    stop_reason: StopReason.nullable(),
    pause_reason: PauseReason.nullable(),
    held_until: EpochMs.nullable(),
    started_at: EpochMs.nullable(),
  })
  .meta({ id: 'SessionStatus' });
export type StatusResponse = z.infer<typeof StatusResponse>;
