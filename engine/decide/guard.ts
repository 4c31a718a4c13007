/**
 * Own-scrobble guard. If a guest's own Spotify also scrobbles the jam, mirroring would double
 * every track. Before sending, compare the rows about to go out with the guest's own recent
 * tracks (leaving out what Lasso itself sent); a match means: send none of the matched rows and
 * pause the follow with `already_scrobbling`.
 */
import type { EngineConfig } from '../config.js';
import { likelySameScrobble, sameTrack } from './match.js';
import { ignoredUpdate } from './outbox-updates.js';
import type {
  EngineScrobble,
  FollowRow,
  OutboxRow,
  OutboxUpdate,
  TimedTrack,
  WindowRow,
} from '../types.js';
import { IGNORED_CODE } from '../types.js';

/**
 * True when the guest's recent tracks must be checked before this follow's rows are sent:
 * - active, never checked, or last checked before its newest window opened (the first
 *   submission of each window), or `guardIntervalMs` since the last check;
 * - paused with `already_scrobbling`: always, since scrobbles from before the pause still land
 *   late and the guest's own scrobbler is known to be running.
 * Other paused or stopped follows (their late rows are sent as they are) never need it.
 */
export function guardCheckDue(
  follow: Pick<FollowRow, 'state' | 'pause_reason' | 'last_guard_check_at'>,
  windows: readonly WindowRow[],
  now: Date,
  cfg: EngineConfig,
): boolean {
  if (follow.state === 'paused') return follow.pause_reason === 'already_scrobbling';
  if (follow.state === 'stopped' || windows.length === 0) return false;
  const last = follow.last_guard_check_at?.getTime();
  if (last === undefined) return true;
  const newestOpen = Math.max(...windows.map((w) => w.opened_at.getTime()));
  return last < newestOpen || now.getTime() - last >= cfg.guardIntervalMs;
}

/** The guard's finding. */
export interface GuardResult<R> {
  /** Candidate rows the guest's own account already scrobbled: never send these. */
  matched: R[];
  verdict: 'clear' | 'already_scrobbling';
}

/**
 * Compares candidate rows with the guest's own recent scrobbles. A guest scrobble that is one of
 * Lasso's own (`lassoSent`: accepted outbox rows; same second, artist or track equal after
 * folding) is left out, each accepted row accounting for one guest scrobble. A candidate matches
 * a remaining guest scrobble with the same artist and track (folded) within
 * `ownScrobbleToleranceSec`; repeats may all match the same one, on purpose.
 */
export function detectOwnScrobbling<R extends TimedTrack>(
  guestRecent: readonly EngineScrobble[],
  candidates: readonly R[],
  lassoSent: readonly TimedTrack[],
  cfg: Pick<EngineConfig, 'ownScrobbleToleranceSec'>,
): GuardResult<R> {
  const own = [...guestRecent];
  for (const sent of lassoSent) {
    const i = own.findIndex((g) => likelySameScrobble(g, sent));
    if (i >= 0) own.splice(i, 1);
  }
  const tolerance = cfg.ownScrobbleToleranceSec;
  const matched = candidates.filter((c) =>
    own.some((g) => sameTrack(g, c) && Math.abs(g.timestamp - c.timestamp) <= tolerance),
  );
  return { matched, verdict: matched.length > 0 ? 'already_scrobbling' : 'clear' };
}

/** Settles the guard's matched rows: ignored with `OWN_SCROBBLE`, never sent. */
export function ownScrobbleUpdates(
  rows: readonly Pick<OutboxRow, 'id' | 'attempts' | 'next_attempt_at' | 'last_error'>[],
  now: Date,
): OutboxUpdate[] {
  return rows.map((r) => ignoredUpdate(r, IGNORED_CODE.OWN_SCROBBLE, now));
}

/**
 * The `user.getRecentTracks` range (UNIX seconds) that covers `rows` on the guest's profile,
 * `slackSec` either side (use `ownScrobbleToleranceSec` for the guard, 0 for reconciling).
 * Null for no rows.
 */
export function guestHistoryRange(
  rows: readonly { timestamp: number }[],
  slackSec: number,
): { from: number; to: number } | null {
  if (rows.length === 0) return null;
  const stamps = rows.map((r) => r.timestamp);
  return { from: Math.min(...stamps) - slackSec - 1, to: Math.max(...stamps) + slackSec + 1 };
}
