/**
 * When the engine ends a follow by itself, and when a stopped follow's history is forgotten. A wrong scrobble
 * cannot be taken back on Last.fm, so a follow must not outlive the jam.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import { defaultEngineConfig, type EngineConfig } from '../config.js';
import type { FollowRow, HostRow, StopReason, WindowRow } from '../types.js';

/** What the last poll learned about the host's account. */
export type HostStatus = 'ok' | 'not_found' | 'private';

/**
 * The reason to stop an open (active or paused) follow now, or null. In order:
 * - the host's account is gone (`target_not_found`) or hides its listening (`target_private`);
 * - `maxFollowHours` since the follow started (`max_duration`);
 * - the host idle — nothing playing, nothing new — for `idleStopMinutes` (`jam_ended`). Idleness
 *   counts from the host's last activity, but never from before the follow's newest window opened:
 *   a guest may start (or resume) before the host presses play.
 * `windows`: this follow's windows. `host.status` defaults to 'ok'.
 */
export function autoStopReason(
  follow: Pick<FollowRow, 'state' | 'started_at'>,
  host: Pick<HostRow, 'last_activity_at'> & { status?: HostStatus },
  now: Date,
  cfg: EngineConfig,
  windows: readonly WindowRow[] = [],
): StopReason | null {
  if (follow.state === 'stopped') return null;
  if (host.status === 'not_found') return 'target_not_found';
  if (host.status === 'private') return 'target_private';
  const t = now.getTime();
  if (t - follow.started_at.getTime() >= cfg.maxFollowHours * HOUR_MS) return 'max_duration';
  const idleSince = Math.max(
    host.last_activity_at?.getTime() ?? -Infinity,
    follow.started_at.getTime(),
    ...windows.map((w) => w.opened_at.getTime()),
  );
  if (t - idleSince >= cfg.idleStopMinutes * MINUTE_MS) return 'jam_ended';
  return null;
}

/**
 * How long after a follow stopped a poll still inserts for it: the grace period for late
 * scrobbles, the time its last look is still tried when it failed, and the re-read overlap.
 * Until then its rows must stay (a re-read would insert a deleted row again) and so must the
 * follow (a late scrobble of a track it heard needs its windows).
 */
export function pollHorizonMs(
  cfg: Pick<EngineConfig, 'graceMs' | 'lastLookRetryMs' | 'pollOverlapSec'>,
): number {
  return cfg.graceMs + cfg.lastLookRetryMs + cfg.pollOverlapSec * SECOND_MS;
}

/** A settled row of a follow still waiting for others is kept this much past the poll horizon. */
const ROW_PRUNE_MARGIN_MS = 15 * MINUTE_MS;

/** What history pruning deletes at a given time (see `EngineConfig.historyDays`). */
export interface PruneCutoffs {
  /** Stopped follows stopped before this with every row settled go, windows and rows with them. */
  followsStoppedBefore: Date;
  /** Settled rows of a follow that still waits for others: settled before this… */
  rowsSettledBefore: Date;
  /** …of a follow stopped before this. */
  rowsStoppedBefore: Date;
  /** Events created before this (they only serve live streams and their resumption). */
  eventsBefore: Date;
}

/**
 * The cutoffs of `historyDays` at `now`: follows and rows `historyDays` after the stop, but
 * never within the poll horizon; events after min(1 day, historyDays). Settled rows of a follow
 * that keeps others waiting get a further margin: unlike a whole follow, which a poll locks, a
 * row could otherwise be deleted under a poll that started a moment before and re-inserts it.
 */
export function pruneCutoffs(
  now: Date,
  cfg: Pick<
    EngineConfig,
    'historyDays' | 'graceMs' | 'lastLookRetryMs' | 'pollOverlapSec'
  > = defaultEngineConfig,
): PruneCutoffs {
  const t = now.getTime();
  const historyMs = cfg.historyDays * DAY_MS;
  const followsBefore = t - Math.max(historyMs, pollHorizonMs(cfg));
  return {
    followsStoppedBefore: new Date(followsBefore),
    rowsSettledBefore: new Date(t - historyMs),
    rowsStoppedBefore: new Date(
      Math.min(followsBefore, t - pollHorizonMs(cfg) - ROW_PRUNE_MARGIN_MS),
    ),
    eventsBefore: new Date(t - Math.min(DAY_MS, historyMs)),
  };
}
