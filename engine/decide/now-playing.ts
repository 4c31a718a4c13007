/**
 * The host's now-playing track: shown to every guest following live, and mirrored with
 * `track.updateNowPlaying` to guests who opted in. Best effort: a failed update is not retried
 * (Last.fm's advice), and a now-playing row is never scrobbled — it has no timestamp.
 */
import type { NowPlaying, NowPlayingInput } from '../../lastfm/types.js';
import { nowPlayingEvent, type EngineEvent } from '../events.js';
import { foldName } from './match.js';
import type { FollowRow, NowPlayingRow, RowId } from '../types.js';

/** Identity of a now-playing track for change detection (folded artist + track); null when none. */
export function nowPlayingKey(np: { artist: string; track: string } | null): string | null {
  return np === null ? null : `${foldName(np.artist)}\u0000${foldName(np.track)}`;
}

/** True when the host's now-playing track is a different one (or appeared, or went away). */
export function nowPlayingChanged(
  before: { artist: string; track: string } | null,
  after: { artist: string; track: string } | null,
): boolean {
  return nowPlayingKey(before) !== nowPlayingKey(after);
}

/** The client's now-playing value as stored on the host row. */
export function toNowPlayingRow(np: NowPlaying | null): NowPlayingRow | null {
  if (np === null) return null;
  return { artist: np.artist, track: np.track, album: np.album, image_url: np.imageUrl };
}

/** What to send with `track.updateNowPlaying`; duration in whole seconds when known. */
export function nowPlayingInput(np: NowPlayingRow, durationMs: number | null): NowPlayingInput {
  const input: NowPlayingInput = { artist: np.artist, track: np.track };
  if (np.album !== '') input.album = np.album;
  if (durationMs !== null && durationMs > 0) input.duration = Math.round(durationMs / 1000);
  return input;
}

/** Who hears about a now-playing change. */
export interface NowPlayingFanout {
  /** Follows whose guest gets a `track.updateNowPlaying` (active, opted in, something playing). */
  update: RowId[];
  /** A `now_playing` event for every active follow (null when the host stopped playing). */
  events: EngineEvent[];
}

/**
 * Fans a host's now-playing change out to its follows. `changed`: from the poll observation
 * (a new track, or the same track played again). Nothing when unchanged; Last.fm cannot clear a
 * now-playing, so a host going quiet only produces events.
 */
export function nowPlayingFanout(
  follows: readonly Pick<FollowRow, 'id' | 'state' | 'mirror_now_playing'>[],
  np: NowPlayingRow | null,
  changed: boolean,
): NowPlayingFanout {
  if (!changed) return { update: [], events: [] };
  const active = follows.filter((f) => f.state === 'active');
  return {
    update: np === null ? [] : active.filter((f) => f.mirror_now_playing).map((f) => f.id),
    events: active.map((f) => nowPlayingEvent(f.id, np)),
  };
}
