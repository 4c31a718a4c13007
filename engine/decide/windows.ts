/**
 * Which host scrobbles belong to a guest: those whose start time lies inside one of the guest's
 * windows, plus each window's *lead*. A window's span is the half-open interval
 * [opened_at, closed_at) in milliseconds; a scrobble at UNIX second `t` is inside when
 * `opened_at <= t*1000 < closed_at` (closed_at null: open).
 *
 * Spotify scrobbles a track with its *start* time, so the boundaries mean: a track that started
 * before the guest joined (even in the same second, a few hundred ms earlier) is not in the span;
 * a track that started before they paused or stopped is, even though it is scrobbled minutes later.
 *
 * The lead: the track already playing when a window opens counts too — the guest hears it. When
 * a window opens at W without catch-up (a start, a resume), Lasso reads the host fresh
 * (`getRecentTracks` limit 1). If that read shows a now-playing track X (artist, track), the
 * window covers **one** host scrobble of X (exact strings) with a timestamp t such that
 * `after < t` and `t*1000 < W`, where `after` is the largest of: the newest scrobble timestamp in
 * that read, `hosts.newest_seen_uts`, `W/1000 − duration(X)` when the `track_durations` cache
 * knows X (a play of X that ended before W started at or before that, so the bound is exact; the
 * start or resume fetches the duration first when unknown), and `W/1000 − 1 h` (nothing bounds it
 * otherwise). Of the scrobbles after `after` and before W, it matches only the newest, and only
 * if that is X: a later scrobble before W means the X it would match had ended by then (one
 * starting exactly at W is the play on at W; it is in the span as well).
 *
 * The match is taken only when that play of X cannot have ended before W (a scrobble needs half
 * the track or 4 minutes played, `scrobbleAfterMs`; 15 s when the duration is unknown). A play of
 * X that started earlier may have been skipped after its scrobble point and X played again before
 * W: if that replay is scrobbled, its scrobble is newer and is the match once it lands; if it was
 * skipped before its own scrobble point, the guest heard a play that made no scrobble, and the
 * earlier one is not theirs. Lasso cannot tell that from "the earlier play went on past W", so it
 * never takes such a scrobble: a joining track may be left out, never one the guest did not hear.
 * The lead keeps looking for a sure match until every play of X that started before W has ended
 * and its scrobble landed (`leadSettledAt`: W + duration + grace): a closed window is polled until
 * then (`windowPollEnd`), and polls read back to the lead's bound for another grace period
 * (`leadLookEnd`) in case that look failed or others poll anyway. The match
 * taken is recorded on the window (`lead.uts`); from then on only that scrobble is the lead, so
 * it is mirrored once however often polls see it. A catch-up window gets no lead (it opens in
 * the past already).
 */
import { MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import type { EngineConfig } from '../config.js';
import type {
  EngineScrobble,
  HostRow,
  RowId,
  TimedTrack,
  WindowLead,
  WindowRow,
} from '../types.js';

/** The lead never reaches further back than this before the window opened (1 hour). */
export const LEAD_MAX_LOOKBACK_SEC = 3600;
/** Last.fm scrobbles only tracks longer than 30 s, so a scrobbled play lasted at least 15 s. */
const MIN_SCROBBLED_PLAY_MS = 15 * SECOND_MS;

/** How long a track of `durationMs` must play to be scrobbled: half of it or 4 minutes. */
export function scrobbleAfterMs(durationMs: number): number {
  return Math.min(durationMs / 2, 4 * MINUTE_MS);
}

/** The parts of the config the lead's timing depends on. */
export type LeadConfig = Pick<EngineConfig, 'graceMs' | 'maxTrackWaitMs'>;

/** The parts of the config that say how long a window needs polls. */
export type PollEndConfig = LeadConfig & Pick<EngineConfig, 'lastLookRetryMs'>;

/**
 * When the host was last read successfully, as far as its row tells: its last poll if that one
 * succeeded; null when it failed (an earlier poll may have succeeded, but not when).
 */
export function lastGoodLook(host: Pick<HostRow, 'last_polled_at' | 'poll_failures'>): Date | null {
  return host.poll_failures === 0 ? host.last_polled_at : null;
}

/**
 * True when polling that should have ended at `end` (ms, the grace period's end) still owes its
 * last look: no good read of the host since a second before `end` (the last look failed, the
 * process died in it, or it ran late), and less than `lastLookRetryMs` past `end`. Ending on the
 * clock alone lost the late scrobbles of a grace period whose polls all failed (the model test).
 */
export function lastLookOwed(
  end: number,
  lookedAt: Date | null,
  now: Date,
  cfg: Pick<EngineConfig, 'lastLookRetryMs'>,
): boolean {
  if (now.getTime() >= end + cfg.lastLookRetryMs) return false;
  return lookedAt === null || lookedAt.getTime() < end - SECOND_MS;
}

/** True when a scrobble that started at UNIX second `timestamp` lies inside the window's span. */
export function inSpan(timestamp: number, window: WindowRow): boolean {
  const ms = timestamp * 1000;
  if (ms < window.opened_at.getTime()) return false;
  return window.closed_at === null || ms < window.closed_at.getTime();
}

/** True when the scrobble is the window's: inside its span, or its lead once matched. */
export function inWindow(s: TimedTrack, window: WindowRow): boolean {
  const lead = window.lead;
  if (lead?.uts != null && s.timestamp === lead.uts && sameTrack(s, lead)) return true;
  return inSpan(s.timestamp, window);
}

/** True when the scrobble is covered by any of `windows`. */
export function inAnyWindow(s: TimedTrack, windows: readonly WindowRow[]): boolean {
  return windows.some((w) => inWindow(s, w));
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

/** What the fresh read of the host showed when a window opened. */
export interface OpeningRead {
  nowPlaying: { artist: string; track: string } | null;
  scrobbles: readonly { timestamp: number }[];
}

/**
 * The lead of a window opening at `openedAt` (see the module comment), or null when nothing was
 * playing. `durationMs`: the cached duration of the now-playing track (null/undefined: unknown).
 */
export function openingLead(
  read: OpeningRead,
  openedAt: Date,
  newestSeenUts: number | null,
  durationMs: number | null | undefined,
): WindowLead | null {
  const np = read.nowPlaying;
  if (np === null) return null;
  const openedSec = openedAt.getTime() / 1000;
  const bounds = [openedSec - LEAD_MAX_LOOKBACK_SEC];
  for (const s of read.scrobbles) if (validTimestamp(s.timestamp)) bounds.push(s.timestamp);
  if (newestSeenUts !== null) bounds.push(newestSeenUts);
  if (durationMs != null && durationMs > 0) bounds.push(openedSec - durationMs / 1000);
  // t > x for a whole t is t > floor(x).
  return {
    artist: np.artist,
    track: np.track,
    after_uts: Math.floor(Math.max(...bounds)),
    duration_ms: durationMs != null && durationMs > 0 ? durationMs : null,
    uts: null,
  };
}

function sameTrack(s: { artist: string; track: string }, lead: WindowLead): boolean {
  return s.artist === lead.artist && s.track === lead.track;
}

/**
 * When an unmatched lead stops waiting for a newer play of its track (see the module comment):
 * every play of it that started before the window opened has ended (its duration, or
 * `maxTrackWaitMs` when unknown) and its scrobble landed (`graceMs`). Null with no such lead.
 */
export function leadSettledAt(window: WindowRow, cfg: LeadConfig): Date | null {
  const lead = window.lead;
  if (lead == null || lead.uts !== null) return null;
  const durationMs = lead.duration_ms ?? cfg.maxTrackWaitMs;
  return new Date(window.opened_at.getTime() + durationMs + cfg.graceMs);
}

/**
 * True when the play of the lead's track that started at `timestamp` was still on when the window
 * opened, whatever else happened: it was scrobbled, so it played at least `scrobbleAfterMs`.
 */
function surelyOnAtOpening(timestamp: number, window: WindowRow, lead: WindowLead): boolean {
  const d = lead.duration_ms;
  const minPlayed = d === null ? MIN_SCROBBLED_PLAY_MS : scrobbleAfterMs(d);
  return timestamp * 1000 + minPlayed > window.opened_at.getTime();
}

/**
 * The scrobble an unmatched lead matches among `scrobbles` until it settled (`leadSettledAt`),
 * or null: the newest one after `after_uts` that started by the window's opening, if it is the
 * lead's track and that play surely was on at the opening (see the module comment). A matched
 * lead matches nothing new.
 */
export function leadMatch<T extends EngineScrobble>(
  scrobbles: readonly T[],
  window: WindowRow,
): T | null {
  const lead = window.lead;
  if (lead == null || lead.uts !== null) return null;
  const opened = window.opened_at.getTime();
  let newest: T | null = null;
  for (const s of scrobbles) {
    if (!validTimestamp(s.timestamp) || s.timestamp <= lead.after_uts) continue;
    // A play that started exactly at the opening is the one on then (and in the span).
    if (s.timestamp * 1000 > opened) continue;
    // Ties (two scrobbles in one second) go to the lead's track.
    if (newest === null || s.timestamp > newest.timestamp) newest = s;
    else if (s.timestamp === newest.timestamp && sameTrack(s, lead)) newest = s;
  }
  if (newest === null || !sameTrack(newest, lead)) return null;
  return surelyOnAtOpening(newest.timestamp, window, lead) ? newest : null;
}

/** A window's lead matched in this poll: record `scrobble.timestamp` on the window, insert it once. */
export interface LeadMatch<T> {
  window: WindowRow;
  scrobble: T;
}

/** What one poll means for one follow. */
export interface Selection<T> {
  /** In a window's span, each once, oldest first: insert (the outbox key makes repeats harmless). */
  scrobbles: T[];
  /** Leads matched now (at most one per window): record each, and insert it unless already there. */
  leads: LeadMatch<T>[];
}

/**
 * The scrobbles to insert into one follow's outbox and the leads to record. Never
 * selects a scrobble outside the windows' spans except one lead match per window, and never a
 * lead match again once recorded; the same input with the leads recorded selects the same spans
 * and no lead.
 */
export function selectForFollow<T extends EngineScrobble>(
  scrobbles: readonly T[],
  windows: readonly WindowRow[],
): Selection<T> {
  const valid = scrobbles.filter((s) => validTimestamp(s.timestamp));
  const inside = valid.filter((s) => windows.some((w) => inSpan(s.timestamp, w)));
  const leads = windows.flatMap((window): LeadMatch<T>[] => {
    const scrobble = leadMatch(valid, window);
    return scrobble === null ? [] : [{ window, scrobble }];
  });
  return { scrobbles: dedupeScrobbles(inside).sort((a, b) => a.timestamp - b.timestamp), leads };
}

/** One follow with its windows, as the poller sees it. */
export interface FollowWindows {
  follow_id: RowId;
  windows: readonly WindowRow[];
}

/** `selectForFollow` for every follow of a host: what one poll inserts and records, per follow (empty ones left out). */
export function planPollInserts<T extends EngineScrobble>(
  scrobbles: readonly T[],
  follows: readonly FollowWindows[],
): ({ follow_id: RowId } & Selection<T>)[] {
  return follows
    .map((f) => ({ follow_id: f.follow_id, ...selectForFollow(scrobbles, f.windows) }))
    .filter((p) => p.scrobbles.length > 0 || p.leads.length > 0);
}

/**
 * Until when an unmatched lead is looked for (ms): a grace period past its settling, so any
 * poll then reads back to it and takes it (none succeeding in that time, or no scrobble of the
 * track at all — a play skipped early — and the lead lapses). Null with no unmatched lead.
 */
export function leadLookEnd(window: WindowRow, cfg: LeadConfig): number | null {
  const settled = leadSettledAt(window, cfg);
  return settled === null ? null : settled.getTime() + cfg.graceMs;
}

/**
 * When a closed window stops needing polls (ms): the grace period after it closed, or a second
 * after its unmatched lead settles if later (the grace's last look, a second before the end,
 * then takes it). Null while the window is open.
 */
export function windowPollEnd(window: WindowRow, cfg: LeadConfig): number | null {
  if (window.closed_at === null) return null;
  const grace = window.closed_at.getTime() + cfg.graceMs;
  const settled = leadSettledAt(window, cfg);
  return settled === null ? grace : Math.max(grace, settled.getTime() + SECOND_MS);
}

/**
 * True while a window is open, closed less than the grace period ago, its lead unsettled, or the
 * last look its polling owes not yet made (`lastLookOwed`; `lookedAt`: `lastGoodLook(host)`).
 */
export function windowRelevant(
  window: WindowRow,
  now: Date,
  cfg: PollEndConfig,
  lookedAt: Date | null,
): boolean {
  const end = windowPollEnd(window, cfg);
  return end === null || end > now.getTime() || lastLookOwed(end, lookedAt, now, cfg);
}

/** `user.getRecentTracks` bounds for one poll, UNIX seconds. */
export interface PollRange {
  from: number;
}

/**
 * Where a window needs a poll to start, or null when it needs none: its looked-for lead's bound
 * (`leadLookEnd`), else a second before it opened while it is relevant.
 */
function windowFrom(
  w: WindowRow,
  now: Date,
  cfg: PollEndConfig,
  lookedAt: Date | null,
): number | null {
  const opened = Math.floor(w.opened_at.getTime() / 1000) - 1;
  const lookEnd = leadLookEnd(w, cfg);
  if (w.lead != null && lookEnd !== null && now.getTime() < lookEnd) {
    return Math.min(opened, w.lead.after_uts);
  }
  return windowRelevant(w, now, cfg, lookedAt) ? opened : null;
}

/**
 * Where a host poll starts, or null when no window needs it. `windows`: every window of every
 * follow of this host (old ones are ignored). The range starts at the later of
 * - one second before the oldest relevant window opened (Last.fm's `from` may be exclusive), or
 *   the `after_uts` of a lead still looked for when earlier, and
 * - `pollOverlapSec` below the newest scrobble already seen, which re-reads recent history so a
 *   scrobble that lands out of order is still caught (the outbox key makes re-reads harmless).
 * There is no `to`. A catch-up window opens in the past: the scrobbles the guest confirmed are
 * inserted at confirm time (see catch-up.ts), not found by this range.
 */
export function pollRange(
  host: Pick<HostRow, 'newest_seen_uts' | 'last_polled_at' | 'poll_failures'>,
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
): PollRange | null {
  const lookedAt = lastGoodLook(host);
  const froms = windows.flatMap((w) => windowFrom(w, now, cfg, lookedAt) ?? []);
  if (froms.length === 0) return null;
  const from = Math.min(...froms);
  if (host.newest_seen_uts === null) return { from };
  return { from: Math.max(from, host.newest_seen_uts - cfg.pollOverlapSec) };
}
