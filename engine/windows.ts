/**
 * Which host scrobbles belong to a guest: those whose start time lies inside one of the guest's
 * windows. A window is the half-open interval [opened_at, closed_at) in milliseconds; a scrobble
 * at UNIX second `t` is inside when `opened_at <= t*1000 < closed_at` (closed_at null: open).
 *
 * Spotify scrobbles a track with its *start* time, so the boundaries mean: a track that started
 * before the guest joined (even in the same second, a few hundred ms earlier) is not theirs; a
 * track that started before they paused or stopped is, even though it is scrobbled minutes later.
 */
import type { EngineConfig } from './config.js';
import type { EngineScrobble, HostRow, RowId, WindowRow } from './types.js';

/** True when a scrobble that started at UNIX second `timestamp` lies inside `window`. */
export function inWindow(timestamp: number, window: WindowRow): boolean {
  const ms = timestamp * 1000;
  if (ms < window.opened_at.getTime()) return false;
  return window.closed_at === null || ms < window.closed_at.getTime();
}

/** True when the scrobble lies inside any of `windows`. */
export function inAnyWindow(timestamp: number, windows: readonly WindowRow[]): boolean {
  return windows.some((w) => inWindow(timestamp, w));
}

/** The outbox's identity of a scrobble: exact (timestamp, artist, track), as the unique key. */
export function scrobbleKey(s: { timestamp: number; artist: string; track: string }): string {
  return `${s.timestamp}\u0000${s.artist}\u0000${s.track}`;
}

/**
 * Drops repeated scrobbles (same timestamp, artist and track), keeping the first; pages and
 * overlapping polls return the same scrobble more than once. Real repeats differ in timestamp
 * and are all kept.
 */
export function dedupeScrobbles<T extends EngineScrobble>(scrobbles: readonly T[]): T[] {
  const seen = new Set<string>();
  return scrobbles.filter((s) => {
    const key = scrobbleKey(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A timestamp Last.fm could have produced: a positive whole number of seconds. */
export function validTimestamp(timestamp: number): boolean {
  return Number.isSafeInteger(timestamp) && timestamp > 0;
}

/**
 * The scrobbles to insert into one follow's outbox: inside one of its windows, each once, oldest
 * first (ties keep their input order). Idempotent, and never returns a scrobble outside the windows.
 */
export function selectForFollow<T extends EngineScrobble>(
  scrobbles: readonly T[],
  windows: readonly WindowRow[],
): T[] {
  const inside = scrobbles.filter(
    (s) => validTimestamp(s.timestamp) && inAnyWindow(s.timestamp, windows),
  );
  return dedupeScrobbles(inside).sort((a, b) => a.timestamp - b.timestamp);
}

/** One follow with its windows, as the poller sees it. */
export interface FollowWindows {
  follow_id: RowId;
  windows: readonly WindowRow[];
}

/** `selectForFollow` for every follow of a host: what one poll inserts, per follow (empty ones left out). */
export function planPollInserts<T extends EngineScrobble>(
  scrobbles: readonly T[],
  follows: readonly FollowWindows[],
): { follow_id: RowId; scrobbles: T[] }[] {
  return follows
    .map((f) => ({ follow_id: f.follow_id, scrobbles: selectForFollow(scrobbles, f.windows) }))
    .filter((p) => p.scrobbles.length > 0);
}

/** True while a window is open, or closed less than the grace period ago. */
export function windowRelevant(window: WindowRow, now: Date, cfg: EngineConfig): boolean {
  return window.closed_at === null || window.closed_at.getTime() + cfg.graceMs > now.getTime();
}

/** `user.getRecentTracks` bounds for one poll, UNIX seconds. */
export interface PollRange {
  from: number;
}

/**
 * Where a host poll starts, or null when no window needs it. `windows`: every window of every
 * follow of this host (old ones are ignored). The range starts at the later of
 * - one second before the oldest relevant window opened (Last.fm's `from` may be exclusive), and
 * - `pollOverlapSec` below the newest scrobble already seen, which re-reads recent history so a
 *   scrobble that lands out of order is still caught (the outbox key makes re-reads harmless).
 * There is no `to`: scrobbles after the last window closed are how the grace period ends early.
 * A catch-up window opens in the past: the scrobbles the guest confirmed are inserted at confirm
 * time (see catch-up.ts), not found by this range.
 */
export function pollRange(
  host: Pick<HostRow, 'newest_seen_uts'>,
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
): PollRange | null {
  const relevant = windows.filter((w) => windowRelevant(w, now, cfg));
  if (relevant.length === 0) return null;
  const oldestMs = Math.min(...relevant.map((w) => w.opened_at.getTime()));
  const windowFrom = Math.floor(oldestMs / 1000) - 1;
  if (host.newest_seen_uts === null) return { from: windowFrom };
  return { from: Math.max(windowFrom, host.newest_seen_uts - cfg.pollOverlapSec) };
}
