/**
 * What the engine tells a guest's live stream. Payloads are JSON-ready (no `Date`: times are ISO
 * strings, scrobble timestamps UNIX seconds) so the server can write them to SSE as they are.
 */
import type {
  FollowState,
  NowPlayingRow,
  OutboxRow,
  PauseReason,
  RowId,
  StopReason,
} from './types.js';
import { IGNORED_CODE } from './types.js';

/** A host scrobble was accepted on the guest's profile. */
export interface MirroredEvent {
  type: 'mirrored';
  follow_id: RowId;
  artist: string;
  track: string;
  album: string;
  timestamp: number;
  image_url: string | null;
}

/** A host scrobble will never reach the guest's profile; `code` is an `IGNORED_CODE`. */
export interface IgnoredEvent {
  type: 'ignored';
  follow_id: RowId;
  artist: string;
  track: string;
  album: string;
  timestamp: number;
  image_url: string | null;
  code: number;
  reason: string;
}

/** The host's now-playing changed; null when the host stopped playing. */
export interface NowPlayingEvent {
  type: 'now_playing';
  follow_id: RowId;
  now_playing: NowPlayingRow | null;
}

/** The follow was started, paused, resumed or stopped. */
export interface StateChangedEvent {
  type: 'state_changed';
  follow_id: RowId;
  state: FollowState;
  stop_reason: StopReason | null;
  pause_reason: PauseReason | null;
}

/** Sending waits until `until` (ISO time): the guest hit Last.fm's daily scrobble limit. */
export interface HeldEvent {
  type: 'held';
  follow_id: RowId;
  until: string;
}

/** Everything a guest's activity stream carries. */
export type EngineEvent =
  MirroredEvent | IgnoredEvent | NowPlayingEvent | StateChangedEvent | HeldEvent;

/** A human reason for an ignored code (Last.fm's 1–5 and Lasso's own negative ones). */
export function ignoredReason(code: number): string {
  switch (code) {
    case IGNORED_CODE.ARTIST:
      return 'Last.fm ignored the artist';
    case IGNORED_CODE.TRACK:
      return 'Last.fm ignored the track';
    case IGNORED_CODE.TOO_OLD:
      return 'timestamp too old for Last.fm';
    case IGNORED_CODE.TOO_NEW:
      return 'timestamp too new for Last.fm';
    case IGNORED_CODE.DAILY_LIMIT:
      return 'daily scrobble limit reached';
    case IGNORED_CODE.DEAD_LETTER:
      return 'could not be sent';
    case IGNORED_CODE.OWN_SCROBBLE:
      return 'your own account already scrobbled it';
    case IGNORED_CODE.NAME_TOO_LONG:
      return 'its artist, track or album name is too long to copy';
    default:
      return `ignored by Last.fm (code ${code})`;
  }
}

type RowView = Pick<OutboxRow, 'follow_id' | 'artist' | 'track' | 'album' | 'timestamp'> & {
  image_url?: string | null;
};

/** The `mirrored` event for an outbox row. */
export function mirroredEvent(row: RowView): MirroredEvent {
  const { follow_id, artist, track, album, timestamp } = row;
  return {
    type: 'mirrored',
    follow_id,
    artist,
    track,
    album,
    timestamp,
    image_url: row.image_url ?? null,
  };
}

/** The `ignored` event for an outbox row. */
export function ignoredEvent(row: RowView, code: number): IgnoredEvent {
  const { follow_id, artist, track, album, timestamp } = row;
  return {
    type: 'ignored',
    follow_id,
    artist,
    track,
    album,
    timestamp,
    image_url: row.image_url ?? null,
    code,
    reason: ignoredReason(code),
  };
}

/** The `now_playing` event for one follow. */
export function nowPlayingEvent(followId: RowId, np: NowPlayingRow | null): NowPlayingEvent {
  return { type: 'now_playing', follow_id: followId, now_playing: np === null ? null : { ...np } };
}

/** The `state_changed` event for a follow after a transition. */
export function stateChangedEvent(
  followId: RowId,
  state: FollowState,
  reasons: { stop_reason?: StopReason | null; pause_reason?: PauseReason | null } = {},
): StateChangedEvent {
  return {
    type: 'state_changed',
    follow_id: followId,
    state,
    stop_reason: reasons.stop_reason ?? null,
    pause_reason: reasons.pause_reason ?? null,
  };
}

/** The `held` event for a follow. */
export function heldEvent(followId: RowId, until: Date): HeldEvent {
  return { type: 'held', follow_id: followId, until: until.toISOString() };
}
