/**
 * The engine's views (camelCase, numeric ids) in the API contract's shape (snake_case, string
 * ids). Pure functions: the route schemas then serialize the result, dropping anything else.
 */
import type {
  CatchUpPreview as CatchUpPreviewBody,
  DataExport,
  FollowSummary as FollowSummaryBody,
  LastfmAnswer,
  NowPlayingTrack,
  RecentScrobble,
  SentScrobble,
  StatusResponse,
} from '../../contract/index.js';
import type {
  CatchUpPreview,
  GuestExport,
  HistoryEntry,
  HistoryScrobble,
  PauseReason,
  RecentScrobbleView,
  ScrobbleStatus,
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

/**
 * Last.fm's answer to a scrobble as the contract shows it: `lastfm_code` 0 once accepted, the
 * ignored code (Last.fm's 1..5, Lasso's own negative ones) once ignored, null before an answer;
 * the message only once there was an answer (a pending row may carry a stale one).
 */
export function lastfmAnswer(
  status: ScrobbleStatus,
  code: number | null,
  message: string | null,
): LastfmAnswer {
  if (status === 'mirrored') return { lastfm_code: code ?? 0, lastfm_message: message };
  if (status === 'ignored') return { lastfm_code: code, lastfm_message: message };
  return { lastfm_code: null, lastfm_message: null };
}

function recentBody(row: RecentScrobbleView): RecentScrobble {
  return {
    ...nowPlayingBody(row),
    timestamp: row.timestamp,
    status: row.status,
    ...lastfmAnswer(row.status, row.ignoredCode, row.ignoredMessage),
  };
}

/** GET /api/session/status. `scrobble_count` is the mirrored count (the original design's name). */
export function statusBody(view: StatusView): StatusResponse {
  return {
    state: view.state,
    follow_id: view.followId === null ? null : String(view.followId),
    target_username: view.targetUsername,
    target_image_url: view.targetImageUrl,
    mirror_now_playing: view.mirrorNowPlaying,
    scrobble_count: view.counts.mirrored,
    counts: {
      pending: view.counts.pending,
      mirrored: view.counts.mirrored,
      ignored: view.counts.ignored,
      held: view.counts.held,
    },
    recent_scrobbles: view.recentScrobbles.map(recentBody),
    last_poll: view.lastPollAt,
    now_playing: view.nowPlaying === null ? null : nowPlayingBody(view.nowPlaying),
    stop_reason: view.stopReason,
    pause_reason: view.pauseReason,
    held_until: view.heldUntil,
    started_at: view.startedAt,
    ended_at: view.stoppedAt,
  };
}

/** GET /api/session/catch-up. */
export function catchUpBody(preview: CatchUpPreview): CatchUpPreviewBody {
  return {
    target_username: preview.targetUsername,
    since: preview.since,
    scrobbles: preview.scrobbles.map((s) => ({
      ...nowPlayingBody(s),
      timestamp: s.timestamp,
      not_added: s.notAdded,
    })),
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

/** One scrobble of a follow and Last.fm's answer to it (see `lastfmAnswer`). */
export function sentScrobbleBody(row: HistoryScrobble): SentScrobble {
  return {
    ...nowPlayingBody(row),
    timestamp: row.timestamp,
    status: row.status,
    sent_at: row.settledAt,
    ...lastfmAnswer(row.status, row.ignoredCode, row.ignoredMessage),
  };
}

/** GET /api/me/export: every follow with every scrobble, made at `now` (ms). */
export function exportBody(username: string, data: GuestExport, now: number): DataExport {
  return {
    exported_at: now,
    username,
    follows: data.follows.map((f) => ({
      ...followBody(f.entry, f, now),
      scrobbles: f.scrobbles.map(sentScrobbleBody),
    })),
  };
}
