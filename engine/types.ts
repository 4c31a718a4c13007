/**
 * Plain data the engine's pure logic works on. Field names follow the store's rows (snake_case),
 * so a driver can hand rows straight in; values read from Last.fm keep the client's camelCase.
 * Times on rows are `Date` (timestamptz); scrobble timestamps are UNIX seconds (when the track started).
 */
import type { UnmirrorableReason } from '../lastfm/types.js';
import type { FollowRow as StoreFollowRow, OutboxState } from '../store/schema.js';

export type { UnmirrorableReason } from '../lastfm/types.js';

/** A row id as the store hands it out (bigserial, parsed to a number by the store). */
export type RowId = number;

/** A host scrobble. The client's `Scrobble` (lastfm/types.ts) is assignable to it. */
export interface EngineScrobble {
  artist: string;
  track: string;
  /** "" when Last.fm has no album. */
  album: string;
  /** UNIX seconds, the time the track *started*. */
  timestamp: number;
  imageUrl?: string | null;
  mbid?: string;
  /** Set when it must not be copied (a name over `NAME_MAX_BYTES`, cut): recorded as not added. */
  unmirrorable?: UnmirrorableReason;
}

/** A track name pair with a timestamp: the part of a scrobble that identifies it. */
export interface TimedTrack {
  artist: string;
  track: string;
  timestamp: number;
}

/** `hosts.now_playing`: the host's current track as stored (jsonb). Never a scrobble. */
export interface NowPlayingRow {
  artist: string;
  track: string;
  album: string;
  image_url: string | null;
}

/** A `hosts` row: the polling state of one followed Last.fm user. */
export interface HostRow {
  /** Newest host scrobble timestamp seen by any poll (UNIX seconds). */
  newest_seen_uts: number | null;
  now_playing: NowPlayingRow | null;
  /**
   * When the current now-playing track started; null when unknown. When only a span is known
   * (after a skip), the earliest moment of it, and `now_playing_since_latest` the latest.
   */
  now_playing_since: Date | null;
  /** The latest possible start when the start is known only within a span; null when exact. */
  now_playing_since_latest: Date | null;
  /** From `track.getInfo` (cached); null when unknown. */
  now_playing_duration_ms: number | null;
  next_poll_at: Date | null;
  /** Consecutive failed polls; 0 after a good one. */
  poll_failures: number;
  /** Last poll that saw something playing or a new scrobble. */
  last_activity_at: Date | null;
  last_polled_at: Date | null;
}

/** A follow's state and reasons: the store's column types (declared in `contract/constants.ts`). */
export type { FollowState, PauseReason, StopReason } from '../store/schema.js';

/** A `follows` row: one guest following one host (the store's row, the columns the engine reads). */
export type FollowRow = Pick<
  StoreFollowRow,
  | 'id'
  | 'state'
  | 'mirror_now_playing'
  | 'stop_reason'
  | 'pause_reason'
  | 'started_at'
  | 'stopped_at'
  | 'last_guard_check_at'
  | 'held_until'
  | 'mirrored_count'
  | 'ignored_count'
>;

/**
 * A window's lead: the track the host was playing when the window opened (see `windows.ts`).
 * It covers one host scrobble of exactly `artist` and `track` whose timestamp is after
 * `after_uts` and before the window opened; `uts` is that scrobble's once matched.
 */
export interface WindowLead {
  artist: string;
  track: string;
  /** UNIX seconds, exclusive. */
  after_uts: number;
  /** The track's duration from the cache when the window opened; null when unknown. */
  duration_ms: number | null;
  /** UNIX seconds of the matched scrobble; null until one matched. */
  uts: number | null;
}

/** A `follow_windows` row: the guest was in the jam during [opened_at, closed_at). */
export interface WindowRow {
  /** The row id (absent on a window not stored yet). */
  id?: RowId;
  opened_at: Date;
  /** null while the window is open. */
  closed_at: Date | null;
  /** The track playing when it opened; absent or null for none. */
  lead?: WindowLead | null;
}

/** `outbox.state`: the store's column type. */
export type { OutboxState } from '../store/schema.js';

/** An `outbox` row: one host scrobble to copy onto one guest's profile. */
export interface OutboxRow {
  id: RowId;
  follow_id: RowId;
  artist: string;
  track: string;
  album: string;
  timestamp: number;
  state: OutboxState;
  attempts: number;
  /**
   * pending: not before then. sending: the lease ends then; past it the row must be reconciled
   * against the guest's recent tracks before it may be sent again.
   */
  next_attempt_at: Date;
  sending_since: Date | null;
  ignored_code: number | null;
  last_error: string | null;
  /** Sent as `albumArtist` when set. */
  album_artist?: string | null;
  /** Shown in the guest's feed. */
  image_url?: string | null;
}

/** The settled columns of an outbox row after a decision: write all of them. */
export interface OutboxUpdate {
  id: RowId;
  state: OutboxState;
  attempts: number;
  next_attempt_at: Date;
  sending_since: Date | null;
  ignored_code: number | null;
  ignored_message: string | null;
  last_error: string | null;
  /** Set exactly when the row becomes accepted or ignored. */
  settled_at: Date | null;
}

/**
 * `outbox.ignored_code` values. 1–5 are Last.fm's own; the negative ones are Lasso's, for rows
 * the engine settled without Last.fm saying so (they are never sent again either).
 */
export const IGNORED_CODE = {
  ARTIST: 1,
  TRACK: 2,
  TOO_OLD: 3,
  TOO_NEW: 4,
  DAILY_LIMIT: 5,
  /** Gave up: fatal errors on every attempt, or a row Last.fm could never accept. */
  DEAD_LETTER: -1,
  /** The guest's own account already scrobbled this track (own-scrobble guard). */
  OWN_SCROBBLE: -2,
  /** A name of the host's scrobble is over `NAME_MAX_BYTES`: recorded, never sent. */
  NAME_TOO_LONG: -3,
} as const;

/** The ignored code a scrobble that cannot be copied is recorded with, by its reason. */
export const UNMIRRORABLE_CODE: Record<UnmirrorableReason, number> = {
  name_too_long: IGNORED_CODE.NAME_TOO_LONG,
};

/** The reason behind an `UNMIRRORABLE_CODE`, or null for any other code. */
export function unmirrorableReason(code: number): UnmirrorableReason | null {
  const found = Object.entries(UNMIRRORABLE_CODE).find(([, c]) => c === code);
  return found === undefined ? null : (found[0] as UnmirrorableReason);
}
