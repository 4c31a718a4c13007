/** The engine's tunables, with the defaults the product promises are measured against. */
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../lib/clock.js';

/** Capped exponential back-off (see `backoffMs` in lib/random.ts). */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** Everything the engine's decisions depend on besides the rows and the clock. */
export interface EngineConfig {
  /** `POLLING_INTERVAL_MS`: poll gap when the current track's end is unknown. Min 1000. */
  pollingIntervalMs: number;
  /** `IDLE_STOP_MINUTES`: host idle this long → follows stop with `jam_ended`. */
  idleStopMinutes: number;
  /** `MAX_FOLLOW_HOURS`: a follow stops with `max_duration` this long after it started. */
  maxFollowHours: number;
  /** How long a host is still polled after its last window closed, for late scrobbles. */
  graceMs: number;
  /**
   * How long past the grace period's end its last look is still tried when it did not succeed
   * (the poll failed, or the process died in it): Last.fm keeps the history, so a look after an
   * outage still finds the late scrobbles. Stopped follows and their rows are kept that long too.
   */
  lastLookRetryMs: number;
  /**
   * How long a poll lease or a `sending` row is trusted before another instance takes over. The
   * holder renews it every quarter of this while the work runs (`leases.ts`), so it bounds how
   * long a crashed process's work waits; it must exceed `reconcileDelayMs` plus a renewal
   * interval, so a batch a dead process may have sent is looked for only once it can show.
   */
  leaseMs: number;
  /** Own-scrobble guard: re-check this often while a follow is active. */
  guardIntervalMs: number;
  catchUpMaxHours: number;
  catchUpMaxScrobbles: number;
  /** Scrobbles per `track.scrobble` call; Last.fm takes at most 50. */
  batchSize: number;
  /**
   * `HISTORY_DAYS`: stopped follows (with their windows and outbox rows) are deleted this many
   * days after they stopped, once every row settled; events after min(1 day, this). 0: as soon
   * as the follow's grace period is over and every row settled.
   */
  historyDays: number;
  /** Retryable submission failures (8, 11, 16, 29, 5xx). */
  submitBackoff: Backoff;
  /** Fatal submission failures (a Last.fm error that is neither transient nor auth). */
  fatalBackoff: Backoff;
  /** A row that fails fatally this many times is dead-lettered. */
  maxFatalAttempts: number;
  /** Error 29 / HTTP 429 on a scrobble batch already tried this many times → daily-cap hold. */
  capHoldAfterAttempts: number;
  /** After a submission of unknown outcome, wait this long before checking the guest's tracks. */
  reconcileDelayMs: number;
  /** Last.fm refuses scrobbles older than 14 days: such rows are settled without a call. */
  maxScrobbleAgeMs: number;
  /** Own-scrobble guard: same artist and track within this many seconds is a match. */
  ownScrobbleToleranceSec: number;
  /** Poll `from` reaches this far below the newest seen scrobble, for out-of-order arrivals. */
  pollOverlapSec: number;
  /** Never poll sooner than this after a poll (unless the base interval is smaller). */
  minPollGapMs: number;
  /** Poll this long after a track's expected end, so its scrobble has landed. */
  trackEndMarginMs: number;
  /** Never wait longer than this for a track to end (guards against wrong durations). */
  maxTrackWaitMs: number;
  /**
   * Mid-track looks for skips, with two or more active followers: spread over the part of a
   * track where a skip makes a scrobble, at most this far apart (none when that part is shorter).
   * 120 s would shorten the delay tail but passes 3.0 calls with now-playing on two seeds
   * (docs/delay.md: the frontier).
   */
  skipCheckGapMs: number;
  /** The same with a single active follower, whose calls are dearer per mirrored scrobble. */
  skipCheckGapOneGuestMs: number;
  /**
   * When a play's start is known only within a span (after a skip Lasso sees the change only at
   * its next look), its end is looked for from the earliest possible end to the latest, the
   * looks spread evenly at most this far apart: the copy of that play then waits at most about
   * this long (docs/delay.md).
   */
  startSpanGapMs: number;
  /** Idle back-off grows toward this gap. */
  idleMaxIntervalMs: number;
  /** Back-off after failed polls. */
  pollErrorBackoff: Backoff;
}

/** The defaults (`POLLING_INTERVAL_MS=20000`, `IDLE_STOP_MINUTES=30`, `MAX_FOLLOW_HOURS=12`). */
export const defaultEngineConfig: Readonly<EngineConfig> = Object.freeze({
  pollingIntervalMs: 20 * SECOND_MS,
  idleStopMinutes: 30,
  maxFollowHours: 12,
  graceMs: 15 * MINUTE_MS,
  lastLookRetryMs: 6 * HOUR_MS,
  leaseMs: 20 * SECOND_MS,
  guardIntervalMs: 30 * MINUTE_MS,
  catchUpMaxHours: 12,
  catchUpMaxScrobbles: 50,
  batchSize: 50,
  historyDays: 30,
  submitBackoff: Object.freeze({ baseMs: 5 * SECOND_MS, capMs: 10 * MINUTE_MS }),
  fatalBackoff: Object.freeze({ baseMs: MINUTE_MS, capMs: HOUR_MS }),
  maxFatalAttempts: 8,
  capHoldAfterAttempts: 3,
  reconcileDelayMs: 15 * SECOND_MS,
  maxScrobbleAgeMs: 14 * DAY_MS - HOUR_MS,
  ownScrobbleToleranceSec: 120,
  pollOverlapSec: 30 * 60,
  minPollGapMs: 5 * SECOND_MS,
  trackEndMarginMs: 4 * SECOND_MS,
  maxTrackWaitMs: 8 * MINUTE_MS,
  skipCheckGapMs: 150 * SECOND_MS,
  skipCheckGapOneGuestMs: 200 * SECOND_MS,
  startSpanGapMs: 50 * SECOND_MS,
  idleMaxIntervalMs: 2 * MINUTE_MS,
  pollErrorBackoff: Object.freeze({ baseMs: 10 * SECOND_MS, capMs: 5 * MINUTE_MS }),
});

type Rule = readonly [name: string, value: number, min: number, max?: number];

/** Every rule a config must meet, as [name, value, min, max]. */
function rules(c: EngineConfig): Rule[] {
  return [
    ['pollingIntervalMs', c.pollingIntervalMs, 1000],
    ['idleStopMinutes', c.idleStopMinutes, 1],
    ['maxFollowHours', c.maxFollowHours, 1],
    ['graceMs', c.graceMs, 0],
    ['lastLookRetryMs', c.lastLookRetryMs, 0],
    ['leaseMs', c.leaseMs, 1000],
    ['guardIntervalMs', c.guardIntervalMs, 1000],
    ['catchUpMaxHours', c.catchUpMaxHours, 0],
    ['catchUpMaxScrobbles', c.catchUpMaxScrobbles, 1],
    ['batchSize', c.batchSize, 1, 50],
    ['historyDays', c.historyDays, 0],
    ['submitBackoff.baseMs', c.submitBackoff.baseMs, 1],
    ['submitBackoff.capMs', c.submitBackoff.capMs, c.submitBackoff.baseMs],
    ['fatalBackoff.baseMs', c.fatalBackoff.baseMs, 1],
    ['fatalBackoff.capMs', c.fatalBackoff.capMs, c.fatalBackoff.baseMs],
    ['maxFatalAttempts', c.maxFatalAttempts, 1],
    ['capHoldAfterAttempts', c.capHoldAfterAttempts, 1],
    ['reconcileDelayMs', c.reconcileDelayMs, 0],
    ['maxScrobbleAgeMs', c.maxScrobbleAgeMs, 1],
    ['ownScrobbleToleranceSec', c.ownScrobbleToleranceSec, 0],
    ['pollOverlapSec', c.pollOverlapSec, 0],
    ['minPollGapMs', c.minPollGapMs, 0],
    ['trackEndMarginMs', c.trackEndMarginMs, 0],
    ['maxTrackWaitMs', c.maxTrackWaitMs, 1000],
    ['skipCheckGapMs', c.skipCheckGapMs, 1000],
    ['skipCheckGapOneGuestMs', c.skipCheckGapOneGuestMs, 1000],
    ['startSpanGapMs', c.startSpanGapMs, 1000],
    ['idleMaxIntervalMs', c.idleMaxIntervalMs, 1000],
    ['pollErrorBackoff.baseMs', c.pollErrorBackoff.baseMs, 1],
    ['pollErrorBackoff.capMs', c.pollErrorBackoff.capMs, c.pollErrorBackoff.baseMs],
  ];
}

/** Thrown by `engineConfig` with every bad field at once. */
export class EngineConfigError extends Error {
  override readonly name = 'EngineConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid engine config: ${problems.join('; ')}`);
  }
}

/** The defaults with `overrides` applied, checked; throws `EngineConfigError` listing every problem. */
export function engineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  const config: EngineConfig = { ...defaultEngineConfig, ...overrides };
  const problems: string[] = [];
  for (const [name, value, min, max] of rules(config)) {
    if (!Number.isFinite(value)) problems.push(`${name} must be a finite number`);
    else if (value < min) problems.push(`${name} must be >= ${min}`);
    else if (max !== undefined && value > max) problems.push(`${name} must be <= ${max}`);
  }
  // A renewal may come a quarter of a lease late: what is left must still cover the delay before
  // a possibly-sent batch is looked for on the guest's profile.
  if (config.leaseMs * 0.75 < config.reconcileDelayMs)
    problems.push('leaseMs must be at least 4/3 of reconcileDelayMs');
  if (problems.length > 0) throw new EngineConfigError(problems);
  return config;
}
