/**
 * When to poll a host next. The aim is one poll per track:
 * Spotify scrobbles a track when it ends, so the cheapest moment to look is just after the
 * current now-playing track is expected to end (start + `track.getInfo` duration + a margin).
 * If the scrobble is not there yet, look again soon and then less often; with no duration, use the
 * base interval; with nothing playing, back off toward `idleMaxIntervalMs`; after errors, back off
 * with jitter. Polling ends when no window is open and the grace period for late scrobbles is over.
 * What a poll teaches about the host (now-playing start, activity) is in poll-observe.ts.
 */
import { DAY_MS } from '../lib/clock.js';
import { backoffMs, type Random } from '../lib/random.js';
import type { EngineConfig } from './config.js';
import type { HostRow, WindowRow } from './types.js';

/** The start of the next UTC day: when Last.fm's daily scrobble limit is assumed to reset. */
export function nextUtcDay(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

/**
 * True while the host must be polled: a window is open, or the last one closed less than
 * `graceMs` ago and no scrobble that started after that close has been seen yet. (Scrobbles
 * land in play order, so once one that started after the close is in, the track that was playing
 * at the close has been scrobbled, or skipped and never will be.)
 * `windows`: every window of every follow of the host.
 */
export function pollingWanted(
  host: Pick<HostRow, 'newest_seen_uts'>,
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
): boolean {
  if (windows.some((w) => w.closed_at === null)) return true;
  if (windows.length === 0) return false;
  const lastClose = Math.max(...windows.map((w) => w.closed_at?.getTime() ?? 0));
  if (now.getTime() >= lastClose + cfg.graceMs) return false;
  return host.newest_seen_uts === null || host.newest_seen_uts * 1000 < lastClose;
}

type HostTiming = Pick<
  HostRow,
  | 'now_playing'
  | 'now_playing_since'
  | 'now_playing_duration_ms'
  | 'poll_failures'
  | 'last_activity_at'
  | 'newest_seen_uts'
>;

/** What the poll just learned that the row does not keep (pass the `observePoll` result). */
export interface PollHint {
  /** The previous track's scrobble is still to land: look again within the base interval. */
  awaitingScrobble?: boolean;
}

/**
 * When to poll the host next, or null to stop polling it. Call after the host row was updated
 * with the poll's outcome (`observePoll` / `observePollFailure`, and the new track's duration).
 */
export function nextPollAt(
  host: HostTiming,
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
  random: Random,
  hint: PollHint = {},
): Date | null {
  if (!pollingWanted(host, windows, now, cfg)) return null;
  const t = now.getTime();
  if (host.poll_failures > 0) {
    const { baseMs, capMs } = cfg.pollErrorBackoff;
    return new Date(t + backoffMs(host.poll_failures - 1, baseMs, capMs, random));
  }
  const gap = pollGapMs(host, t, cfg);
  return new Date(
    t + (hint.awaitingScrobble === true ? Math.min(gap, cfg.pollingIntervalMs) : gap),
  );
}

/** `v` bounded to [lo, hi]. */
export const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** The gap until the next poll after a good one. */
function pollGapMs(host: HostTiming, t: number, cfg: EngineConfig): number {
  const minGap = Math.min(cfg.minPollGapMs, cfg.pollingIntervalMs);
  const idleMax = Math.max(cfg.idleMaxIntervalMs, cfg.pollingIntervalMs);
  if (host.now_playing === null) {
    // Idle: wait half as long as the host has been quiet, within [base, idleMax].
    const idleFor = t - (host.last_activity_at?.getTime() ?? t);
    return clamp(idleFor / 2, cfg.pollingIntervalMs, idleMax);
  }
  const since = host.now_playing_since?.getTime();
  const duration = host.now_playing_duration_ms;
  if (since === undefined || duration === null || duration <= 0) return cfg.pollingIntervalMs;
  const end = since + duration;
  if (t < end) return clamp(end + cfg.trackEndMarginMs - t, minGap, cfg.maxTrackWaitMs);
  // Past the expected end and still the same track: the scrobble is late, the start estimate was
  // early, or the host paused with a lingering now-playing. Look again soon, then less often: at
  // most the base interval while the track could still be playing, then toward idleMax.
  const overdue = t - end;
  return clamp(overdue / 2, minGap, overdue <= duration ? cfg.pollingIntervalMs : idleMax);
}
