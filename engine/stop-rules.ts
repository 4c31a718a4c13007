/**
 * When the engine ends a follow by itself, and when settled rows are forgotten. A wrong scrobble
 * cannot be taken back on Last.fm, so a follow must not outlive the jam.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../lib/clock.js';
import { defaultEngineConfig, type EngineConfig } from './config.js';
import type { FollowRow, HostRow, StopReason, WindowRow } from './types.js';

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
 * Settled outbox rows (accepted or ignored) with `settled_at` before this are deleted; the
 * follow keeps its `mirrored_count` / `ignored_count` for history.
 */
export function pruneCutoff(
  now: Date,
  cfg: Pick<EngineConfig, 'retentionDays'> = defaultEngineConfig,
): Date {
  return new Date(now.getTime() - cfg.retentionDays * DAY_MS);
}
