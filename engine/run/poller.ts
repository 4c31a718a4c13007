/**
 * The poller: claims due hosts under a lease (a batch at a time), polls each once for all of its
 * followers, and writes the outcome (`poll-write.ts`). Track durations come from the shared cache,
 * asked of Last.fm only for a track never seen. Now-playing updates go out after the commit,
 * best effort and never retried.
 */
import { LastfmError } from '../../lastfm/errors.js';
import type { RecentTracksQuery } from '../../lastfm/types.js';
import type { HostRow as StoreHostRow } from '../../store/schema.js';
import { isCrash, runPool, type EngineContext } from './context.js';
import { nowPlayingInput, toNowPlayingRow } from '../decide/now-playing.js';
import { observePoll, type PollObservation, type PollSnapshot } from '../decide/poll-observe.js';
import { pollRange } from '../decide/windows.js';
import type { EngineScrobble } from '../types.js';
import {
  stoppedCutoff,
  writeIdle,
  writePollFailure,
  writePollResult,
  type NowPlayingTarget,
} from './poll-write.js';
import { guestAccounts } from '../../store/accounts.js';
import { cachedDurations, durationKey, saveDuration } from '../repo/durations.js';
import { followsOfHosts, type FollowWithWindows } from '../repo/follows.js';
import { claimDueHosts, renewLease } from '../repo/hosts.js';

/** Scrobbles (newest first) whose durations can date the now-playing track. */
const DATING_CANDIDATES = 4;

/**
 * Polls every host due now, `maxConcurrency` at a time, claiming `4 × maxConcurrency` per batch
 * until none is left or `stopping()` says so. Returns how many hosts were claimed.
 */
export async function pollDueHosts(ctx: EngineContext, stopping: () => boolean): Promise<number> {
  const batch = ctx.maxConcurrency * 4;
  let claimed = 0;
  while (!stopping()) {
    const now = ctx.now();
    const leaseUntil = new Date(now.getTime() + ctx.cfg.leaseMs);
    const hosts = await claimDueHosts(ctx.db.kysely, ctx.instanceId, now, leaseUntil, batch);
    if (hosts.length === 0) break;
    claimed += hosts.length;
    const ids = hosts.map((h) => h.id);
    // Renewed while the batch waits for rate-limit slots and Last.fm: a crash frees them soon.
    const release = ctx.leases.holdHosts(ids);
    try {
      const follows = await followsOfHosts(ctx.db.kysely, ids, stoppedCutoff(now, ctx));
      await runPool(
        hosts,
        ctx.maxConcurrency,
        (h) => pollHost(ctx, h, follows.get(h.id) ?? []),
        (h, err) => ctx.logger.error({ err, host: h.username }, 'host poll failed'),
      );
    } finally {
      release();
    }
    if (hosts.length < batch) break;
  }
  return claimed;
}

/** Renews the lease when half of it has passed; false when it was lost (skip the host). */
async function keepLease(ctx: EngineContext, host: StoreHostRow): Promise<boolean> {
  const now = ctx.clock.now();
  const until = host.lease_until?.getTime() ?? now;
  if (until - now > ctx.cfg.leaseMs / 2) return true;
  const renewed = new Date(now + ctx.cfg.leaseMs);
  if (!(await renewLease(ctx.db.kysely, host.id, ctx.instanceId, renewed))) return false;
  host.lease_until = renewed;
  host.next_poll_at = renewed;
  return true;
}

/**
 * The poll's `from`, reaching at least `pollOverlapSec` back from now. It only matters when a
 * window just opened (in steady state `pollRange` already reads further back): the scrobble
 * before the track now playing is then in the answer and dates that track (`datingScrobble`),
 * instead of a first track polled at the base interval until it ends. Older scrobbles cost
 * nothing (one page) and are never inserted: `planPollInserts` keeps only in-window ones.
 */
function datableFrom(from: number, ctx: EngineContext): number {
  return Math.min(from, Math.floor(ctx.now().getTime() / 1000) - ctx.cfg.pollOverlapSec);
}

/** One host: fetch, observe, write, then mirror the now-playing. */
async function pollHost(
  ctx: EngineContext,
  host: StoreHostRow,
  follows: readonly FollowWithWindows[],
): Promise<void> {
  if (!(await keepLease(ctx, host))) return;
  const started = ctx.clock.now();
  const windows = follows.flatMap((f) => f.windows);
  const range = pollRange(host, windows, ctx.now(), ctx.cfg);
  const anyOpen = follows.some((f) => f.state !== 'stopped');
  if (range === null && !anyOpen) {
    await writeIdle(ctx, host);
    return;
  }
  // No window needs the history, but paused follows need to know whether the jam goes on.
  const query: RecentTracksQuery =
    range === null
      ? { user: host.username, limit: 1 }
      : { user: host.username, from: datableFrom(range.from, ctx), allPages: true };
  let polled: { obs: PollObservation; targets: NowPlayingTarget[] };
  try {
    polled = await fetchAndWrite(ctx, host, query);
  } catch (err) {
    // An injected crash must reach runDue's caller; anything else fails this host's poll only:
    // it backs off, and its follows still stop on time (`writePollFailure`).
    if (isCrash(err)) throw err;
    if (!(err instanceof LastfmError)) {
      ctx.logger.error({ err, host: host.username }, 'host poll failed: unexpected error');
    }
    await writePollFailure(ctx, host, err, ctx.now());
    ctx.metrics?.hostPolled((ctx.clock.now() - started) / 1000);
    return;
  }
  ctx.metrics?.hostPolled((ctx.clock.now() - started) / 1000);
  await updateNowPlaying(ctx, polled.obs, polled.targets);
}

/** Reads the host, observes, writes it all (one transaction); the guests to update after it. */
async function fetchAndWrite(
  ctx: EngineContext,
  host: StoreHostRow,
  query: RecentTracksQuery,
): Promise<{ obs: PollObservation; targets: NowPlayingTarget[] }> {
  const recent = await ctx.lastfm.getRecentTracks(query);
  ctx.crash('poll:after-fetch');
  const now = ctx.now();
  const snapshot: PollSnapshot = {
    scrobbles: recent.scrobbles,
    nowPlaying: toNowPlayingRow(recent.nowPlaying),
  };
  const obs = await observe(ctx, host, snapshot, now);
  const targets = await writePollResult(ctx, host, recent.scrobbles, obs, now);
  // A track whose names were cut is no guest's now-playing either: it is not its real name.
  return { obs, targets: recent.nowPlaying?.unmirrorable === undefined ? targets : [] };
}

/**
 * `observePoll` with durations from the cache; asks Last.fm (`track.getInfo`) for a track the
 * observation needs and the cache has never seen, then observes again with it.
 */
async function observe(
  ctx: EngineContext,
  host: StoreHostRow,
  snapshot: PollSnapshot,
  now: Date,
): Promise<PollObservation> {
  const np = snapshot.nowPlaying;
  const newest = [...snapshot.scrobbles]
    .sort((a, b) => b.timestamp - a.timestamp)
    .slice(0, DATING_CANDIDATES);
  const cache = await cachedDurations(ctx.db.kysely, np ? [np, ...newest] : newest);
  const lookup = (artist: string, track: string): number | null | undefined =>
    cache.get(durationKey(artist, track));
  let obs = observePoll(host, snapshot, now, ctx.cfg, lookup);
  const wanted: { artist: string; track: string }[] = [];
  if (obs.datingScrobble) wanted.push(obs.datingScrobble);
  if (obs.needsDuration && np) wanted.push(np);
  const unseen = wanted.filter((t) => !cache.has(durationKey(t.artist, t.track)));
  if (unseen.length === 0) return obs;
  for (const t of unseen) await fetchDuration(ctx, t, cache, now);
  obs = observePoll(host, snapshot, now, ctx.cfg, lookup);
  return obs;
}

/** Asks Last.fm for a track's duration and caches it; a track Last.fm does not know is cached as unknown. */
export async function fetchDuration(
  ctx: EngineContext,
  t: Pick<EngineScrobble, 'artist' | 'track'>,
  cache: Map<string, number | null>,
  now: Date,
): Promise<void> {
  let durationMs: number | null;
  try {
    durationMs = (await ctx.lastfm.getTrackInfo(t.artist, t.track)).durationMs;
  } catch (err) {
    if (!(err instanceof LastfmError)) throw err;
    // Error 6 on track.getInfo: "Track not found". Anything else may work next time.
    if (err.code !== 6) {
      ctx.logger.debug(
        { err: err.message, artist: t.artist, track: t.track },
        'track.getInfo failed',
      );
      return;
    }
    durationMs = null;
  }
  await saveDuration(ctx.db.kysely, t.artist, t.track, durationMs, now);
  cache.set(durationKey(t.artist, t.track), durationMs);
}

/** `track.updateNowPlaying` for each target guest with a working key; failures are logged only. */
async function updateNowPlaying(
  ctx: EngineContext,
  obs: PollObservation,
  targets: readonly NowPlayingTarget[],
): Promise<void> {
  const np = obs.patch.now_playing;
  if (np === null || targets.length === 0) return;
  const input = nowPlayingInput(np, obs.patch.now_playing_duration_ms);
  const accounts = await guestAccounts(
    ctx.db.kysely,
    targets.map((t) => t.guestId),
  );
  await Promise.all(
    accounts.map(async (account) => {
      if (account.key_state !== 'valid' || account.session_key_enc === null) return;
      try {
        const sk = ctx.decryptSessionKey(account.id, account.session_key_enc);
        await ctx.lastfm.updateNowPlaying(sk, input);
      } catch (err) {
        // Never retried (Last.fm's advice); never quote the error object, it could hold the key.
        const message = err instanceof Error ? err.message : String(err);
        ctx.logger.warn({ guestId: account.id, err: message }, 'updateNowPlaying failed');
      }
    }),
  );
}
