/**
 * When to poll a host next. The aim is one poll per track:
 * Spotify scrobbles a track when it ends, so the cheapest moment to look is just after the
 * current now-playing track is expected to end (start + `track.getInfo` duration + a margin).
 * If the scrobble is not there yet, look again soon and then less often; with no duration, use the
 * base interval; with nothing playing, back off toward `idleMaxIntervalMs`; after errors, back off
 * with jitter. Polling ends when no window is open and the grace period for late scrobbles is over.
 * What a poll teaches about the host (now-playing start, activity) is in poll-observe.ts.
 */
import { DAY_MS, SECOND_MS } from '../lib/clock.js';
import { backoffMs, type Random } from '../lib/random.js';
import type { EngineConfig } from './config.js';
import type { HostRow, WindowRow } from './types.js';

/** The start of the next UTC day: when Last.fm's daily scrobble limit is assumed to reset. */
export function nextUtcDay(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

/**
 * When the grace period after the last window closed ends; null while a window is open or when
 * there are no windows. `windows`: every window of every follow of the host.
 */
export function graceEnd(windows: readonly WindowRow[], cfg: EngineConfig): Date | null {
  if (windows.length === 0 || windows.some((w) => w.closed_at === null)) return null;
  const lastClose = Math.max(...windows.map((w) => w.closed_at?.getTime() ?? 0));
  return new Date(lastClose + cfg.graceMs);
}

/**
 * True while the host must be polled: a window is open, or the last one closed less than
 * `graceMs` ago. The grace period always runs to its end: scrobbles may land out of order (one
 * held back minutes after later ones), so a newer scrobble does not prove the late one is in.
 * `windows`: every window of every follow of the host.
 */
export function pollingWanted(
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
): boolean {
  if (windows.some((w) => w.closed_at === null)) return true;
  const end = graceEnd(windows, cfg);
  return end !== null && now.getTime() < end.getTime();
}

type HostTiming = Pick<
  HostRow,
  | 'now_playing'
  | 'now_playing_since'
  | 'now_playing_duration_ms'
  | 'poll_failures'
  | 'last_activity_at'
>;

/** What the poll just learned that the row does not keep (pass the `observePoll` result). */
export interface PollHint {
  /** The previous track's scrobble is still to land: look again within the base interval. */
  awaitingScrobble?: boolean;
}

/**
 * When to poll the host next, or null to stop polling it. Call after the host row was updated
 * with the poll's outcome (`observePoll` / `observePollFailure`, and the new track's duration).
 * During the grace period the last look comes a second before it ends, whatever the track
 * schedule says: a poll after the end would not look any more (`pollRange` is null then).
 */
export function nextPollAt(
  host: HostTiming,
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
  random: Random,
  hint: PollHint = {},
): Date | null {
  if (!pollingWanted(windows, now, cfg)) return null;
  const t = now.getTime();
  let next: number;
  if (host.poll_failures > 0) {
    const { baseMs, capMs } = cfg.pollErrorBackoff;
    next = t + backoffMs(host.poll_failures - 1, baseMs, capMs, random);
  } else {
    const gap = pollGapMs(host, t, cfg);
    next = t + (hint.awaitingScrobble === true ? Math.min(gap, cfg.pollingIntervalMs) : gap);
  }
  const lastLook = (graceEnd(windows, cfg)?.getTime() ?? Infinity) - SECOND_MS;
  return new Date(t < lastLook && next > lastLook ? lastLook : next);
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
