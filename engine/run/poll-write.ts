/**
 * The poller's one transaction per host: outbox inserts, the host row, auto-stops and now-playing
 * events, written together. The host's follows and windows are read again inside the transaction,
 * so a window a guest opened or closed while Last.fm was answering is honoured (the API takes its
 * time after locking the follow). The host row is written only while the lease is still ours,
 * and a wake-up made meanwhile (`wakeHost`) is kept (`finishLeasedPoll`).
 */
import { HOUR_MS, MINUTE_MS } from '../../lib/clock.js';
import { LastfmError } from '../../lastfm/errors.js';
import { cleanText } from '../../lastfm/text.js';
import type { HostRow as StoreHostRow, HostUpdate, NowPlayingJson } from '../../store/schema.js';
import { inTx, type EngineContext, type Trx } from './context.js';
import { applyWindowOp, type FollowAction } from '../decide/follow-state.js';
import type { PollObservation } from '../decide/poll-observe.js';
import { observePollFailure } from '../decide/poll-observe.js';
import { nextPollAt } from '../decide/schedule.js';
import { autoStopReason, pollHorizonMs, type HostStatus } from '../decide/stop-rules.js';
import {
  unmirrorableReason,
  type EngineScrobble,
  type HostRow,
  type NowPlayingRow,
  type UnmirrorableReason,
  type WindowRow,
} from '../types.js';
import { applyTransition } from './transitions.js';
import { insertEvents, type GuestEvent } from '../repo/events.js';
import { followsOfHosts, type FollowWithWindows } from '../repo/follows.js';
import { finishLeasedPoll, NEVER_POLL_AT } from '../repo/hosts.js';
import type { NotAddedRow } from '../repo/outbox.js';
import { fanOutNowPlaying, insertScrobbles, type NowPlayingTarget } from './poll-effects.js';

export type { NowPlayingTarget } from './poll-effects.js';

/** Stopped follows still matter to a poll this long: their late scrobbles and grace period. */
export function stoppedCutoff(now: Date, ctx: Pick<EngineContext, 'cfg'>): Date {
  return new Date(now.getTime() - pollHorizonMs(ctx.cfg));
}

/** The engine's view of a host row. */
function hostState(h: StoreHostRow): HostRow {
  return {
    newest_seen_uts: h.newest_seen_uts,
    now_playing: h.now_playing,
    now_playing_since: h.now_playing_since,
    now_playing_since_latest: h.now_playing_since_latest,
    now_playing_duration_ms: h.now_playing_duration_ms,
    next_poll_at: h.next_poll_at,
    poll_failures: h.poll_failures,
    last_activity_at: h.last_activity_at,
    last_polled_at: h.last_polled_at,
  };
}

function nowPlayingJson(np: NowPlayingRow | null): NowPlayingJson | null {
  return np === null
    ? null
    : { artist: np.artist, track: np.track, album: np.album, image_url: np.image_url };
}

/**
 * When an open follow must next be checked for auto-stop although no window needs polling (all
 * paused): its maximum duration, or the idle limit counted from the last known activity.
 */
function autoStopCheckAt(
  open: readonly FollowWithWindows[],
  host: Pick<HostRow, 'last_activity_at'>,
  now: Date,
  ctx: EngineContext,
): Date | null {
  if (open.length === 0) return null;
  const deadlines = open.flatMap((f) => {
    const idleFrom = Math.max(
      host.last_activity_at?.getTime() ?? -Infinity,
      f.started_at.getTime(),
      ...f.windows.map((w) => w.opened_at.getTime()),
    );
    return [
      f.started_at.getTime() + ctx.cfg.maxFollowHours * HOUR_MS,
      idleFrom + ctx.cfg.idleStopMinutes * MINUTE_MS,
    ];
  });
  return new Date(Math.max(Math.min(...deadlines), now.getTime() + ctx.cfg.pollingIntervalMs));
}

/** Why an open follow must stop now, as a transition; null to keep it. */
type StopRule = (f: FollowWithWindows) => FollowAction | null;

/** A stop rule from `autoStopReason` against what the poll learned of the host. */
function stopRule(
  host: Parameters<typeof autoStopReason>[1],
  now: Date,
  ctx: EngineContext,
): StopRule {
  return (f) => {
    const reason = autoStopReason(f, host, now, ctx.cfg, f.windows);
    return reason === null ? null : { type: 'stop', reason };
  };
}

/** The follows to stop, and every window and open follow as they will be afterwards. */
interface StopPlan {
  stops: { follow: FollowWithWindows; action: FollowAction }[];
  windows: WindowRow[];
  open: FollowWithWindows[];
}

function planStops(follows: readonly FollowWithWindows[], rule: StopRule, now: Date): StopPlan {
  const plan: StopPlan = { stops: [], windows: [], open: [] };
  for (const f of follows) {
    const action = f.state === 'stopped' ? null : rule(f);
    if (action === null) {
      plan.windows.push(...f.windows);
      if (f.state !== 'stopped') plan.open.push(f);
    } else {
      plan.stops.push({ follow: f, action });
      plan.windows.push(...applyWindowOp(f.windows, { op: 'close', at: now }));
    }
  }
  return plan;
}

/** Writes the planned stops (each only if the follow is still as read); their events. */
async function applyStops(trx: Trx, plan: StopPlan, now: Date): Promise<GuestEvent[]> {
  const events: GuestEvent[] = [];
  for (const { follow, action } of plan.stops) {
    const applied = await applyTransition(trx, follow, action, now);
    if (applied) events.push(applied.event);
  }
  return events;
}

/**
 * The host's follows as this transaction sees them (see the module comment), locked with their
 * guests' accounts so a disconnection or a prune cannot delete them under the poll's inserts.
 */
async function currentFollows(
  trx: Trx,
  ctx: EngineContext,
  hostId: number,
  now: Date,
): Promise<FollowWithWindows[]> {
  return (await followsOfHosts(trx, [hostId], stoppedCutoff(now, ctx), true)).get(hostId) ?? [];
}

/** Nothing to poll for: the host sleeps until a window opens (or an open follow needs checking). */
export async function writeIdle(ctx: EngineContext, claimed: StoreHostRow): Promise<void> {
  await inTx(ctx, async (trx) => {
    await finishLeasedPoll(trx, claimed.id, ctx.instanceId, {}, NEVER_POLL_AT);
  });
}

/** What is kept of a failed poll's cause on the host row (`last_error`): storable, short. */
function failureText(err: unknown): string {
  if (err instanceof LastfmError) return err.message.slice(0, 500);
  const message = err instanceof Error ? err.message : String(err);
  return cleanText(`unexpected: ${message}`).slice(0, 500);
}

/**
 * When a host whose poll failed is looked at again: after the back-off while a window needs
 * polling, but never later than the next auto-stop deadline of an open follow, so the follows
 * of a host whose polls keep failing still stop on time. Null: never.
 */
function retryAt(ctx: EngineContext, failed: HostRow, plan: StopPlan, now: Date): Date | null {
  const polling = nextPollAt(failed, plan.windows, now, ctx.cfg, ctx.random);
  const check = autoStopCheckAt(plan.open, failed, now, ctx);
  const times = [polling, check].flatMap((d) => (d === null ? [] : [d.getTime()]));
  return times.length === 0 ? null : new Date(Math.min(...times));
}

/**
 * A failed poll: Last.fm refused or failed, or anything else went wrong reading or writing it
 * (`err`, logged by the poller). The host is gone or private: every open follow stops with that
 * reason and the host sleeps. Anything else: back off; the time-based stops still apply, idleness
 * counted from the last activity a good poll saw (a failure shows none), so a host whose polls
 * keep failing ends its follows with `jam_ended` or `max_duration` when an idle one would.
 */
export async function writePollFailure(
  ctx: EngineContext,
  claimed: StoreHostRow,
  err: unknown,
  now: Date,
): Promise<void> {
  const kind = err instanceof LastfmError ? err.kind : null;
  const gone: HostStatus | null =
    kind === 'user_not_found' ? 'not_found' : kind === 'private' ? 'private' : null;
  const events = await inTx(ctx, async (trx) => {
    const follows = await currentFollows(trx, ctx, claimed.id, now);
    const failed = { ...hostState(claimed), ...observePollFailure(claimed, now) };
    const status: HostStatus = gone ?? 'ok';
    const plan = planStops(follows, stopRule({ ...failed, status }, now, ctx), now);
    const next = gone !== null ? NEVER_POLL_AT : (retryAt(ctx, failed, plan, now) ?? NEVER_POLL_AT);
    const patch = {
      poll_failures: failed.poll_failures,
      last_polled_at: now,
      last_error: failureText(err),
    };
    if (!(await finishLeasedPoll(trx, claimed.id, ctx.instanceId, patch, next))) return [];
    const stopped = await applyStops(trx, plan, now);
    await insertEvents(trx, stopped, now);
    return stopped;
  });
  if (events.length > 0) {
    ctx.logger.info(
      { host: claimed.username, reason: gone, stopped: events.length },
      'host poll failed: follows stopped',
    );
  }
}

/**
 * Reports scrobbles recorded as not added, by reason, after the commit: a poll's and a confirmed
 * catch-up's.
 */
export function countNotAdded(ctx: EngineContext, rows: readonly NotAddedRow[]): void {
  const byReason = new Map<UnmirrorableReason, number>();
  for (const r of rows) {
    const reason = unmirrorableReason(r.ignored_code);
    if (reason !== null) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  for (const [reason, n] of byReason) ctx.metrics?.scrobblesSkipped(reason, n);
}

/**
 * A good poll: insert the in-window scrobbles of every follow, write the observation and the
 * next poll time, stop follows that should stop, fan the now-playing out as events. Returns the
 * guests to send `track.updateNowPlaying` to once this has committed.
 */
export async function writePollResult(
  ctx: EngineContext,
  claimed: StoreHostRow,
  scrobbles: readonly EngineScrobble[],
  obs: PollObservation,
  now: Date,
): Promise<NowPlayingTarget[]> {
  const written = await inTx(ctx, async (trx) => {
    // The leads recorded now no longer extend the host's polling (see windows.ts).
    const { follows, notAdded } = await insertScrobbles(
      trx,
      await currentFollows(trx, ctx, claimed.id, now),
      scrobbles,
      now,
    );
    ctx.crash('poll:after-insert');
    // The lease is ours, so nobody else changed the polling columns since the claim.
    const host = { ...hostState(claimed), ...obs.patch };
    const plan = planStops(follows, stopRule(host, now, ctx), now);
    const next =
      nextPollAt(host, plan.windows, now, ctx.cfg, ctx.random, {
        awaitingScrobble: obs.awaitingScrobble,
        followers: activeFollowers(plan.open),
      }) ??
      autoStopCheckAt(plan.open, host, now, ctx) ??
      NEVER_POLL_AT;
    // Lease lost: the inserts are safe to keep (idempotent, in-window); the rest is the new owner's.
    if (!(await finishLeasedPoll(trx, claimed.id, ctx.instanceId, hostUpdate(obs), next))) {
      return { targets: [], notAdded };
    }
    const stopped = await applyStops(trx, plan, now);
    const fan = await fanOutNowPlaying(trx, plan.open, obs);
    await insertEvents(trx, [...stopped, ...fan.events], now);
    return { targets: fan.targets, notAdded };
  });
  countNotAdded(ctx, written.notAdded);
  return written.targets;
}

/** Follows whose guests this poll's scrobbles go to now. */
function activeFollowers(open: readonly FollowWithWindows[]): number {
  return open.filter((f) => f.state === 'active').length;
}

function hostUpdate(obs: PollObservation): Omit<HostUpdate, 'next_poll_at'> {
  const p = obs.patch;
  return {
    newest_seen_uts: p.newest_seen_uts,
    now_playing: nowPlayingJson(p.now_playing),
    now_playing_since: p.now_playing_since,
    now_playing_since_latest: p.now_playing_since_latest,
    now_playing_duration_ms: p.now_playing_duration_ms,
    last_activity_at: p.last_activity_at,
    last_polled_at: p.last_polled_at,
    poll_failures: 0,
    last_error: null,
  };
}
