/** The guest's follow: start, catch-up preview, pause/resume/stop, status. */
import { z } from 'zod';
import {
  epochMs,
  FollowState,
  Id,
  ImageUrl,
  LastfmAnswer,
  NowPlayingTrack,
  PauseReason,
  ScrobbleCounts,
  ScrobbleStatus,
  StopReason,
  TrackPlay,
  Username,
} from './common.js';
import { MIRROR_NOW_PLAYING_DEFAULT } from './constants.js';

export { MIRROR_NOW_PLAYING_DEFAULT };

/**
 * POST /api/session/start body. `catch_up_since` (epoch ms, confirmed by the guest after seeing
 * the preview) also mirrors the host's scrobbles since then; the server caps how far back.
 */
export const StartRequest = z
  .object({
    target_username: Username,
    mirror_now_playing: z.boolean().default(MIRROR_NOW_PLAYING_DEFAULT),
    catch_up_since: epochMs('Catch-up: also mirror what the host scrobbled since then').optional(),
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
  since: z.coerce
    .number()
    .int()
    .nonnegative()
    .describe('When the guest joined (epoch milliseconds, UTC)'),
});
export type CatchUpQuery = z.infer<typeof CatchUpQuery>;

/** A track of the catch-up preview; `not_added` says why it will not be copied, or is null. */
export const CatchUpTrack = TrackPlay.extend({
  not_added: z
    .string()
    .nullable()
    .describe('Why this track will not be copied (it shows as not added), or null'),
});
export type CatchUpTrack = z.infer<typeof CatchUpTrack>;

/**
 * The catch-up preview. `capped`: there were more than the server will add; `total` counts all.
 * `scrobbles` lists every track of the window, those with `not_added` too.
 */
export const CatchUpPreview = z.object({
  target_username: z.string(),
  since: epochMs('Where the window would open: the requested time, or later when capped'),
  scrobbles: z.array(CatchUpTrack),
  total: z.number().int().nonnegative(),
  capped: z.boolean(),
});
export type CatchUpPreview = z.infer<typeof CatchUpPreview>;

/** POST /api/session/pause, /resume, /stop answer. */
export const StateChangeResponse = z.object({ success: z.literal(true), state: FollowState });
export type StateChangeResponse = z.infer<typeof StateChangeResponse>;

/** One host scrobble as it stands for the guest, with Last.fm's answer (see `LastfmAnswer`). */
export const RecentScrobble = TrackPlay.extend({ status: ScrobbleStatus, ...LastfmAnswer.shape });
export type RecentScrobble = z.infer<typeof RecentScrobble>;

/**
 * GET /api/session/status answer: the guest's newest follow (a stopped one too, until the guest
 * starts another). Fields about a follow are null (counts zero) when `state` is `not_started`.
 * `pause_reason` is set only while paused, `stop_reason` and `ended_at` only once stopped,
 * `held_until` only while sending waits for Last.fm's daily scrobble limit. `scrobble_count` is
 * `counts.mirrored` (the original design's name). `recent_scrobbles`: the newest 20, newest first.
 */
export const StatusResponse = z
  .object({
    state: FollowState,
    follow_id: Id.nullable(),
    target_username: z.string().nullable(),
    target_image_url: ImageUrl.describe("The host's Last.fm avatar, when Last.fm has one"),
    mirror_now_playing: z.boolean(),
    scrobble_count: z.number().int().nonnegative(),
    counts: ScrobbleCounts,
    recent_scrobbles: z.array(RecentScrobble),
    last_poll: epochMs('When Lasso last read the host from Last.fm').nullable(),
    now_playing: NowPlayingTrack.nullable(),
    stop_reason: StopReason.nullable(),
    pause_reason: PauseReason.nullable(),
    held_until: epochMs("When Last.fm's daily scrobble limit lets sending go on").nullable(),
    started_at: epochMs('When the follow started').nullable(),
    ended_at: epochMs('When the follow stopped').nullable(),
  })
  .meta({ id: 'SessionStatus' });
export type StatusResponse = z.infer<typeof StatusResponse>;
