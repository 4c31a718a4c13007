/**
 * What a poll teaches about a host: the newest scrobble, whether it is active, and — the key to
 * polling once per track — when its now-playing track started. Last.fm does not say; the engine
 * estimates it from the scrobble of the play before (a scrobble carries its start time, so start
 * plus duration is when the next track began); otherwise it knows only a span (from the earliest
 * plausible moment to this poll) and keeps both ends, so the play's end is looked for across it.
 */
import { sameTrack } from './match.js';
import { nowPlayingChanged } from './now-playing.js';
import { scrobbleAfterMs } from './schedule.js';
import type { EngineConfig } from '../config.js';
import type { EngineScrobble, HostRow, NowPlayingRow } from '../types.js';
import { dedupeScrobbles } from './windows.js';

/** Slack when matching a scrobble to the play we believed current. */
const PLAY_MATCH_SLACK_MS = 60_000;

/** Cached `track.getInfo` durations in ms: null/undefined when unknown. Never calls Last.fm. */
export type DurationLookup = (artist: string, track: string) => number | null | undefined;

/** What a successful poll returned, already parsed. */
export interface PollSnapshot {
  scrobbles: readonly EngineScrobble[];
  nowPlaying: NowPlayingRow | null;
}

/** The host columns a successful poll sets. `next_poll_at` comes from `nextPollAt`. */
export type HostPollPatch = Pick<
  HostRow,
  | 'newest_seen_uts'
  | 'now_playing'
  | 'now_playing_since'
  | 'now_playing_since_latest'
  | 'now_playing_duration_ms'
  | 'last_activity_at'
  | 'last_polled_at'
  | 'poll_failures'
>;

/** What a successful poll means for the host. */
export interface PollObservation {
  patch: HostPollPatch;
  /** Scrobbles newer than anything seen before (deduplicated). */
  newScrobbles: EngineScrobble[];
  /** A different track is playing, the same one started again, or playing stopped: fan out. */
  nowPlayingChanged: boolean;
  /** Something plays and its duration is unknown: fetch it (`track.getInfo`), cache it, set it. */
  needsDuration: boolean;
  /**
   * The track changed but the previous play's scrobble is not in yet (Last.fm may show it a
   * little after the next track starts): pass to `nextPollAt` so the next look comes soon.
   */
  awaitingScrobble: boolean;
  /**
   * The scrobble before the new now-playing track, when its duration is not cached: with it
   * (`track.getInfo`) the new track's start is known exactly. Worth one call on a first poll,
   * which otherwise polls at the base interval until the track changes: fetch, cache, observe again.
   */
  datingScrobble: EngineScrobble | null;
}

type HostBefore = Omit<HostPollPatch, 'poll_failures'>;

const known = (ms: number | null | undefined): ms is number =>
  ms !== null && ms !== undefined && ms > 0;

/**
 * Folds a successful poll into the host row. `durationOf` answers from the duration cache only
 * (pass the cached durations of the snapshot's tracks); it sharpens start estimates and spares
 * a `track.getInfo` for a track already known. A host is active when something plays or a new
 * scrobble arrived.
 */
export function observePoll(
  host: HostBefore,
  snapshot: PollSnapshot,
  now: Date,
  cfg: EngineConfig,
  durationOf: DurationLookup = () => null,
): PollObservation {
  const seen = host.newest_seen_uts;
  const all = dedupeScrobbles(snapshot.scrobbles);
  const fresh = all.filter((s) => seen === null || s.timestamp > seen);
  const newest = all.reduce((m, s) => Math.max(m, s.timestamp), seen ?? -Infinity);
  const np = snapshot.nowPlaying;
  const otherTrack = nowPlayingChanged(host.now_playing, np);
  const restarted = np !== null && !otherTrack && previousPlay(host, fresh) !== undefined;
  const changed = otherTrack || restarted;
  let start: StartSpan = { since: null, latest: null };
  let duration: number | null = null;
  let datingScrobble: EngineScrobble | null = null;
  if (np !== null) {
    // The row's duration stays while the track is the same (a repeat too); a new one asks the cache.
    const d = (otherTrack ? null : host.now_playing_duration_ms) ?? durationOf(np.artist, np.track);
    duration = known(d) ? d : null;
    if (changed) {
      const estimate = estimateStart(host, all, now, cfg, durationOf, duration);
      start = estimate;
      datingScrobble = estimate.undated ?? null;
    } else {
      const kept = { since: host.now_playing_since, latest: host.now_playing_since_latest };
      start = refineStart(kept, np, fresh, now, durationOf);
    }
  }
  const active = np !== null || fresh.length > 0;
  return {
    patch: {
      newest_seen_uts: Number.isFinite(newest) ? newest : null,
      now_playing: np,
      now_playing_since: start.since,
      now_playing_since_latest: start.latest,
      now_playing_duration_ms: duration,
      last_activity_at: active ? now : host.last_activity_at,
      last_polled_at: now,
      poll_failures: 0,
    },
    newScrobbles: fresh,
    nowPlayingChanged: changed,
    needsDuration: np !== null && !known(duration),
    awaitingScrobble:
      otherTrack &&
      host.now_playing !== null &&
      reachedEnd(host, now) &&
      previousPlay(host, all) === undefined,
    datingScrobble,
  };
}

/**
 * Whether the play that was now-playing at the previous poll may have ended as expected, its
 * scrobble a moment behind the next track. A change seen well before that end is a skip: its
 * scrobble, if it made one, landed at the skip, and waiting for it would be a wasted poll.
 */
function reachedEnd(host: HostBefore, now: Date): boolean {
  const since = host.now_playing_since?.getTime();
  const d = host.now_playing_duration_ms;
  if (since === undefined || !known(d)) return true;
  return now.getTime() >= since + d - PLAY_MATCH_SLACK_MS;
}

/** The host columns a failed poll sets. */
export function observePollFailure(
  host: Pick<HostRow, 'poll_failures'>,
  now: Date,
): Pick<HostRow, 'poll_failures' | 'last_polled_at'> {
  return { poll_failures: host.poll_failures + 1, last_polled_at: now };
}

/** The scrobble, among `scrobbles`, of the play that was now-playing at the previous poll. */
function previousPlay(
  host: HostBefore,
  scrobbles: readonly EngineScrobble[],
): EngineScrobble | undefined {
  const prev = host.now_playing;
  const polledAt = host.last_polled_at?.getTime();
  if (prev === null || polledAt === undefined) return undefined;
  const since = host.now_playing_since?.getTime() ?? polledAt - (host.now_playing_duration_ms ?? 0);
  const earliest = since - PLAY_MATCH_SLACK_MS;
  return newestOf(
    scrobbles.filter(
      (s) => sameTrack(s, prev) && s.timestamp * 1000 >= earliest && s.timestamp * 1000 <= polledAt,
    ),
  );
}

function newestOf(scrobbles: readonly EngineScrobble[]): EngineScrobble | undefined {
  return scrobbles.reduce<EngineScrobble | undefined>(
    (best, s) => (best && best.timestamp >= s.timestamp ? best : s),
    undefined,
  );
}

/** When the play after `pred` began: its start plus its duration, if that duration is known. */
function endOf(
  pred: EngineScrobble | undefined,
  host: HostBefore,
  durationOf: DurationLookup,
): number | null {
  if (pred === undefined) return null;
  const fromHost =
    host.now_playing !== null && sameTrack(pred, host.now_playing)
      ? host.now_playing_duration_ms
      : null;
  const d = known(fromHost) ? fromHost : durationOf(pred.artist, pred.track);
  return known(d) ? pred.timestamp * 1000 + d : null;
}

/**
 * When the current play began: exactly (`latest` null), within [since, latest], or unknown
 * (`since` null).
 */
interface StartSpan {
  since: Date | null;
  latest: Date | null;
}

/** The span [lo, hi] as a `StartSpan`: exact when it is a single moment. */
function span(lo: number, hi: number): StartSpan {
  return { since: new Date(lo), latest: hi > lo ? new Date(hi) : null };
}

/**
 * The start of a now-playing track first seen at this poll, within what is possible: not before
 * the previous poll (it was not playing then) nor before now minus its duration, not after now.
 * 1. The newest scrobble ended where this play began: its start + its duration, when known
 *    (else it is returned as `undated`).
 * 2. Else the span from the earliest possible moment (the previous poll, when that was recent
 *    enough to mean it) to now. Both ends are kept rather than a guess between them: the
 *    schedule looks for the end from the earliest possible end to the latest, spaced, where a
 *    guess in the middle looked for it up to half the span late (docs/delay.md).
 * 3. Else unknown (null): the base interval is used until the next change.
 */
function estimateStart(
  host: HostBefore,
  scrobbles: readonly EngineScrobble[],
  now: Date,
  cfg: EngineConfig,
  durationOf: DurationLookup,
  duration: number | null,
): StartSpan & { undated?: EngineScrobble } {
  const t = now.getTime();
  const prevPoll = host.last_polled_at?.getTime();
  let lower = Math.max(prevPoll ?? -Infinity, known(duration) ? t - duration : -Infinity);
  const pred = newestOf(scrobbles.filter((s) => s.timestamp * 1000 <= t));
  const fromPred = endOf(pred, host, durationOf);
  // With no lower bound, a start from a scrobble long ago means the host paused in between.
  if (fromPred !== null && (Number.isFinite(lower) || t - fromPred <= cfg.maxTrackWaitMs)) {
    if (fromPred >= lower && fromPred <= t) return span(fromPred, fromPred);
    // It ended before the previous poll, where this play was not on yet: a play in between
    // was not scrobbled (skipped early), and this one began between that poll and now.
    // Its expected end is still to come, so it was skipped; it played at least the scrobble
    // minimum, and this play began somewhere between then (or the previous poll) and now.
    if (pred && fromPred > t) {
      const played = scrobbleAfterMs(fromPred - pred.timestamp * 1000);
      lower = Math.max(lower, pred.timestamp * 1000 + played);
    }
    return spanTo(lower, t);
  }
  const recent = Math.max(cfg.maxTrackWaitMs, cfg.idleMaxIntervalMs) + cfg.pollingIntervalMs;
  const start: StartSpan =
    prevPoll !== undefined && t - prevPoll <= recent
      ? spanTo(lower, t)
      : { since: null, latest: null };
  return fromPred === null && pred !== undefined ? { ...start, undated: pred } : start;
}

/** The span from `lo` (now when it is not finite) to now `t`. */
function spanTo(lo: number, t: number): StartSpan {
  return Number.isFinite(lo) ? span(Math.min(lo, t), t) : span(t, t);
}

/**
 * Sharpens the start of a play already known when the scrobble of the play before it lands late
 * (after the now-playing changed): its start + duration is later than an earliest-possible guess.
 */
function refineStart(
  start: StartSpan,
  np: NowPlayingRow,
  fresh: readonly EngineScrobble[],
  now: Date,
  durationOf: DurationLookup,
): StartSpan {
  const pred = newestOf(fresh.filter((s) => !sameTrack(s, np)));
  const d = pred === undefined ? null : durationOf(pred.artist, pred.track);
  if (pred === undefined || !known(d)) return start;
  const end = pred.timestamp * 1000 + d;
  if (end > now.getTime()) return start;
  const since = Math.max(start.since?.getTime() ?? -Infinity, end);
  return span(since, Math.max(start.latest?.getTime() ?? since, since));
}
