/**
 * When to poll a host next. The aim is one poll per track:
 * Spotify scrobbles a track when it ends, so the cheapest moment to look is just after the
 * current now-playing track is expected to end (start + `track.getInfo` duration + a margin).
 * If the scrobble is not there yet, look again soon and then less often; with no duration, use the
 * base interval; with nothing playing, back off toward `idleMaxIntervalMs`; after errors, back off
 * with jitter. Polling ends when no window is open and the grace period for late scrobbles is over.
 * What a poll teaches about the host (now-playing start, activity) is in poll-observe.ts.
 */
import { DAY_MS, SECOND_MS } from '../../lib/clock.js';
import { backoffMs, type Random } from '../../lib/random.js';
import type { EngineConfig } from '../config.js';
import type { HostRow, WindowRow } from '../types.js';
import { lastGoodLook, lastLookOwed, scrobbleAfterMs, windowPollEnd } from './windows.js';

export { scrobbleAfterMs };

/** The start of the next UTC day: when Last.fm's daily scrobble limit is assumed to reset. */
export function nextUtcDay(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

/**
 * When the grace period after the last window closed ends (later while a window's lead is still
 * unsettled, see windows.ts); null while a window is open or when there are no windows.
 * `windows`: every window of every follow of the host.
 */
export function graceEnd(windows: readonly WindowRow[], cfg: EngineConfig): Date | null {
  const ends = windows.map((w) => windowPollEnd(w, cfg));
  if (ends.length === 0 || ends.some((e) => e === null)) return null;
  return new Date(Math.max(...ends.map((e) => e ?? 0)));
}

/**
 * True while the host must be polled: a window is open, or the last one closed less than
 * `graceMs` ago, or the grace period's last look has not succeeded yet (`lastLookOwed`: tried
 * again after a failed or crashed poll, for up to `lastLookRetryMs`). The grace period always
 * runs to its end: scrobbles may land out of order (one held back minutes after later ones), so
 * a newer scrobble does not prove the late one is in. `windows`: every window of every follow of
 * the host; `lookedAt`: `lastGoodLook(host)`.
 */
export function pollingWanted(
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
  lookedAt: Date | null,
): boolean {
  if (windows.some((w) => w.closed_at === null)) return true;
  const end = graceEnd(windows, cfg);
  if (end === null) return false;
  return now.getTime() < end.getTime() || lastLookOwed(end.getTime(), lookedAt, now, cfg);
}

type HostTiming = Pick<
  HostRow,
  | 'now_playing'
  | 'now_playing_since'
  | 'now_playing_since_latest'
  | 'now_playing_duration_ms'
  | 'poll_failures'
  | 'last_activity_at'
  | 'last_polled_at'
>;

/** What the poll just learned that the row does not keep (pass the `observePoll` result). */
export interface PollHint {
  /** The previous track's scrobble is still to land: look again within the base interval. */
  awaitingScrobble?: boolean;
  /** Active follows the poll feeds: more of them make each poll cheaper per mirrored scrobble. */
  followers?: number;
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
  if (!pollingWanted(windows, now, cfg, lastGoodLook(host))) return null;
  const t = now.getTime();
  let next: number;
  if (host.poll_failures > 0) {
    const { baseMs, capMs } = cfg.pollErrorBackoff;
    next = t + backoffMs(host.poll_failures - 1, baseMs, capMs, random);
  } else if (nothingLeftToWatch(host, windows, cfg)) {
    next = Infinity;
  } else {
    const gap = pollGapMs(host, t, cfg, hint.followers ?? 1);
    next = t + (hint.awaitingScrobble === true ? Math.min(gap, cfg.pollingIntervalMs) : gap);
  }
  const lastLook = (graceEnd(windows, cfg)?.getTime() ?? Infinity) - SECOND_MS;
  const at = t < lastLook && next > lastLook ? lastLook : next;
  // Infinity: past the grace period's last look with nothing left to watch.
  return Number.isFinite(at) ? new Date(at) : null;
}

/**
 * True in the grace period once the play that was on when the last window closed is over: no
 * scrobble can still belong to a window except one landing out of order, which the grace
 * period's last look (a second before its end) reads anyway. Polling each later track's end
 * would mirror nothing.
 */
function nothingLeftToWatch(
  host: HostTiming,
  windows: readonly WindowRow[],
  cfg: EngineConfig,
): boolean {
  const end = graceEnd(windows, cfg);
  if (end === null || host.now_playing === null) return end !== null;
  const since = host.now_playing_since?.getTime();
  return since !== undefined && since >= end.getTime() - cfg.graceMs;
}

/** `v` bounded to [lo, hi]. */
export const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** The gap until the next poll after a good one. */
function pollGapMs(host: HostTiming, t: number, cfg: EngineConfig, followers: number): number {
  const minGap = Math.min(cfg.minPollGapMs, cfg.pollingIntervalMs);
  const idleMax = Math.max(cfg.idleMaxIntervalMs, cfg.pollingIntervalMs);
  if (host.now_playing === null) {
    // Idle: wait as long as the host has been quiet, within [base, idleMax]. (Half as long cost
    // two more polls per 15-minute break and found the next track no sooner than idleMax anyway.)
    const idleFor = t - (host.last_activity_at?.getTime() ?? t);
    return clamp(idleFor, cfg.pollingIntervalMs, idleMax);
  }
  const since = host.now_playing_since?.getTime();
  const duration = host.now_playing_duration_ms;
  if (since === undefined || duration === null || duration <= 0) return cfg.pollingIntervalMs;
  const end = since + duration;
  if (t < end) {
    const at = Math.min(
      end + cfg.trackEndMarginMs,
      skipCheckAt(since, duration, t + minGap, followers, cfg),
    );
    return clamp(at - t, minGap, cfg.maxTrackWaitMs);
  }
  // The start known only within a span: the play may end until its latest end. Look across that
  // span at most startSpanGapMs apart (the copy waits at most about that) rather than soon and
  // then less often, which spends most looks just after the earliest end.
  const latestEnd = (host.now_playing_since_latest?.getTime() ?? since) + duration;
  const spanLook = spanLookAt(end, latestEnd, t + minGap, cfg);
  if (spanLook !== null) return spanLook - t;
  // Past the expected end and still the same track: the scrobble is late, the start estimate was
  // early, or the host paused with a lingering now-playing. Look again soon, then less often: at
  // most the base interval while the track could still be playing, then toward idleMax.
  const overdue = t - latestEnd;
  return clamp(overdue / 2, minGap, overdue <= duration ? cfg.pollingIntervalMs : idleMax);
}

/**
 * The next look, not before `notBefore`, for the end of a play whose start is known only within
 * a span: from its earliest possible end to its latest (each + the end margin), spread evenly at
 * most `startSpanGapMs` apart. Null when none is left (or the start is exact: no span).
 */
function spanLookAt(
  earliestEnd: number,
  latestEnd: number,
  notBefore: number,
  cfg: EngineConfig,
): number | null {
  const width = latestEnd - earliestEnd;
  if (width <= 0) return null;
  const n = Math.ceil(width / cfg.startSpanGapMs);
  for (let k = 1; k <= n; k++) {
    const at = earliestEnd + cfg.trackEndMarginMs + (k * width) / n;
    if (at >= notBefore) return at;
  }
  return null;
}

/**
 * The next mid-track look, not before `notBefore`, at which a skip would show (Infinity: none).
 * A skip only makes a scrobble once the track played `scrobbleAfterMs`; from then to its end
 * the looks are spread evenly, at most the check gap apart, so a skipped track's scrobble (and
 * the start of the next track) waits at most about that gap instead of the unplayed rest.
 */
function skipCheckAt(
  since: number,
  duration: number,
  notBefore: number,
  followers: number,
  cfg: EngineConfig,
): number {
  const gap = followers > 1 ? cfg.skipCheckGapMs : cfg.skipCheckGapOneGuestMs;
  const from = since + scrobbleAfterMs(duration);
  const span = since + duration - from;
  const n = Math.max(0, Math.ceil(span / gap) - 1);
  const step = span / (n + 1);
  for (let k = 1; k <= n; k++) {
    const at = from + k * step;
    if (at >= notBefore) return at;
  }
  return Infinity;
}
