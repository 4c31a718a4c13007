/**
 * The engine's views (camelCase, numeric ids) in the API contract's shape (snake_case, string
 * ids). Pure functions: the route schemas then serialize the result, dropping anything else.
 */
import type {
  CatchUpPreview as CatchUpPreviewBody,
  FollowSummary as FollowSummaryBody,
  NowPlayingTrack,
  RecentScrobble,
  SentScrobble,
  StatusResponse,
} from '../../contract/index.js';
import type {
  CatchUpPreview,
  HistoryEntry,
  HistoryScrobble,
  PauseReason,
  RecentScrobbleView,
  StatusView,
  TrackView,
} from '../../engine/engine-api.js';

function nowPlayingBody(track: TrackView): NowPlayingTrack {
  return {
    artist: track.artist,
    track: track.track,
    album: track.album,
    image_url: track.imageUrl,
  };
}

function recentBody(row: RecentScrobbleView): RecentScrobble {
  return { ...nowPlayingBody(row), timestamp: row.timestamp, status: row.status };
}

/** GET /api/session/status. */
export function statusBody(view: StatusView): StatusResponse {
  return {
    state: view.state,
    target_username: view.targetUsername,
    scrobble_count: view.scrobbleCount,
    recent_scrobbles: view.recentScrobbles.map(recentBody),
    last_poll: view.lastPollAt,
    now_playing: view.nowPlaying === null ? null : nowPlayingBody(view.nowPlaying),
    stop_reason: view.stopReason,
    pause_reason: view.pauseReason,
    held_until: view.heldUntil,
    started_at: view.startedAt,
  };
}

/** GET /api/session/catch-up. */
export function catchUpBody(preview: CatchUpPreview): CatchUpPreviewBody {
  return {
    target_username: preview.targetUsername,
    since: preview.since,
    scrobbles: preview.scrobbles.map((s) => ({ ...nowPlayingBody(s), timestamp: s.timestamp })),
    total: preview.total,
    capped: preview.capped,
  };
}

/**
 * What the contract's follow summary needs beyond `HistoryEntry` (read from `follows` by
 * `followExtras` until the engine's view carries it).
 */
export interface FollowExtras {
  pauseReason: PauseReason | null;
  mirrorNowPlaying: boolean;
  /** Sending waits for Last.fm's daily limit until then (ms): pending rows count as held. */
  heldUntil: number | null;
}

/** A follow in history; `now` decides whether its pending rows are held. */
export function followBody(
  entry: HistoryEntry,
  extras: FollowExtras | undefined,
  now: number,
): FollowSummaryBody {
  const held = extras?.heldUntil != null && extras.heldUntil > now;
  return {
    id: String(entry.followId),
    target_username: entry.targetUsername,
    state: entry.state,
    started_at: entry.startedAt,
    ended_at: entry.stoppedAt,
    stop_reason: entry.stopReason,
    pause_reason: extras?.pauseReason ?? null,
    mirror_now_playing: extras?.mirrorNowPlaying ?? false,
    windows: entry.windows.map((w) => ({ started_at: w.openedAt, ended_at: w.closedAt })),
    counts: {
      pending: held ? 0 : entry.pendingCount,
      held: held ? entry.pendingCount : 0,
      mirrored: entry.mirroredCount,
      ignored: entry.ignoredCount,
    },
  };
}

/**
 * One scrobble of a follow and Last.fm's answer: `lastfm_code` 0 once accepted, the ignored
 * code (Last.fm's 1..5, Lasso's own negative ones) once ignored, null before an answer.
 */
export function sentScrobbleBody(row: HistoryScrobble): SentScrobble {
  const settled = row.status === 'mirrored' || row.status === 'ignored';
  return {
    ...nowPlayingBody(row),
    timestamp: row.timestamp,
    status: row.status,
    sent_at: row.settledAt,
    lastfm_code: row.status === 'mirrored' ? (row.ignoredCode ?? 0) : row.ignoredCode,
    lastfm_message: settled ? row.ignoredMessage : null,
  };
}
