/**
 * Catch-up: "I joined at 21:10". The guest picks a start at most `catchUpMaxHours` back, sees
 * what would be added (at most `catchUpMaxScrobbles`), confirms; the follow's first window then
 * opens in the past. The preview is exactly what gets added: at confirm the driver inserts the
 * previewed scrobbles into the outbox itself, because the poller only re-reads recent history.
 */
import { HOUR_MS } from '../../lib/clock.js';
import type { EngineConfig } from '../config.js';
import type { EngineScrobble } from '../types.js';
import { selectForFollow } from './windows.js';

/** Why a catch-up start was refused. */
export type CatchUpProblem = 'invalid_date' | 'in_future' | 'too_far_back';

/** The result of checking a requested catch-up start. */
export type CatchUpCheck =
  { ok: true } | { ok: false; code: 'INVALID_REQUEST'; problem: CatchUpProblem };

/** Checks a catch-up start: a real date, not after `now`, at most `catchUpMaxHours` before it. */
export function validateCatchUpStart(startAt: Date, now: Date, cfg: EngineConfig): CatchUpCheck {
  const start = startAt.getTime();
  if (!Number.isFinite(start))
    return { ok: false, code: 'INVALID_REQUEST', problem: 'invalid_date' };
  if (start > now.getTime()) return { ok: false, code: 'INVALID_REQUEST', problem: 'in_future' };
  if (now.getTime() - start > cfg.catchUpMaxHours * HOUR_MS) {
    return { ok: false, code: 'INVALID_REQUEST', problem: 'too_far_back' };
  }
  return { ok: true };
}

/** What a confirmed catch-up adds, and where its window opens. */
export interface CatchUpPlan<T extends EngineScrobble> {
  /** Where the follow's first window opens: the requested start, or later when capped. */
  opensAt: Date;
  /** The scrobbles to show and, on confirm, insert; oldest first, at most `catchUpMaxScrobbles`. */
  scrobbles: T[];
  /** How many in-window scrobbles there were before capping. */
  total: number;
  /** True when the cap moved `opensAt` later than the requested start. */
  capped: boolean;
}

/**
 * The preview for a catch-up from `startAt` (validate it first). `hostScrobbles`: the host's
 * scrobbles since about `startAt` (fetch with `from` = its UNIX second minus one). Scrobbles
 * that started after `now` are left out. With more than the cap, the window opens at the start
 * of the oldest of the newest `catchUpMaxScrobbles`, so the guest gets the most recent ones
 * and the window holds exactly what was shown; if that second is shared with an older scrobble
 * left out, it opens one second later (and fewer are shown) rather than add an unseen one.
 */
export function catchUpPreview<T extends EngineScrobble>(
  hostScrobbles: readonly T[],
  startAt: Date,
  now: Date,
  cfg: EngineConfig,
): CatchUpPlan<T> {
  const window = { opened_at: startAt, closed_at: new Date(now.getTime() + 1) };
  const all = selectForFollow(hostScrobbles, [window]).scrobbles;
  const cap = cfg.catchUpMaxScrobbles;
  if (all.length <= cap)
    return { opensAt: startAt, scrobbles: all, total: all.length, capped: false };
  // all.length > cap >= 1, so both indexes exist.
  const oldestKept = all[all.length - cap]?.timestamp ?? 0;
  const newestLeftOut = all[all.length - cap - 1]?.timestamp ?? 0;
  const openSec = newestLeftOut === oldestKept ? oldestKept + 1 : oldestKept;
  const scrobbles = all.filter((s) => s.timestamp >= openSec);
  return { opensAt: new Date(openSec * 1000), scrobbles, total: all.length, capped: true };
}
