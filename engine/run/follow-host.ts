/**
 * What the follow API asks of the host on Last.fm: the fresh read that tells whether the host
 * exists and is visible and what it is playing (a new window's lead, see windows.ts, with that
 * track's duration), the
 * catch-up plan, and the host's avatar (at most one `user.getInfo` per host per day, best effort).
 */
import { DAY_MS } from '../../lib/clock.js';
import { LastfmError } from '../../lastfm/errors.js';
import type { RecentTracks, RecentTracksQuery } from '../../lastfm/types.js';
import type { HostRow } from '../../store/schema.js';
import { validateCatchUpStart, catchUpPreview, type CatchUpPlan } from '../decide/catch-up.js';
import type { EngineContext, Trx } from './context.js';
import { EngineError } from '../engine-api.js';
import type { EngineScrobble, WindowLead } from '../types.js';
import { openingLead } from '../decide/windows.js';
import { cachedDurations, durationKey } from '../repo/durations.js';
import { fetchDuration } from './poller.js';
import { claimImageCheck, saveHostImage } from '../repo/hosts.js';

/** The avatar is asked of Last.fm at most this often per host. */
export const HOST_IMAGE_TTL_MS = DAY_MS;

/** A Last.fm failure while looking at a host, as the refusal the server shows. */
export function hostLookupError(err: unknown): unknown {
  if (!(err instanceof LastfmError)) return err;
  if (err.kind === 'user_not_found')
    return new EngineError('TARGET_NOT_FOUND', 'no such Last.fm user');
  if (err.kind === 'private') {
    return new EngineError('TARGET_PRIVATE', "this user's listening history is private");
  }
  if (err.rateLimited) return new EngineError('RATE_LIMIT', 'Last.fm is busy, try again shortly');
  return new EngineError('LASTFM_ERROR', 'Last.fm did not answer', err.message);
}

/** The host's recent tracks; tells at once whether the host exists and is visible. */
export async function lookAtHost(
  ctx: EngineContext,
  user: string,
  query: Omit<RecentTracksQuery, 'user'>,
): Promise<RecentTracks> {
  try {
    return await ctx.lastfm.getRecentTracks({ user, ...query });
  } catch (err) {
    throw hostLookupError(err);
  }
}

/** The catch-up plan from `since` (ms): validated, the host's scrobbles since then fetched. */
export async function catchUpPlan(
  ctx: EngineContext,
  name: string,
  since: number,
): Promise<CatchUpPlan<EngineScrobble>> {
  const now = ctx.now();
  const start = new Date(since);
  const check = validateCatchUpStart(start, now, ctx.cfg);
  if (!check.ok) throw new EngineError('INVALID_REQUEST', 'invalid catch-up start', check.problem);
  const recent = await lookAtHost(ctx, name, {
    from: Math.floor(since / 1000) - 1,
    allPages: true,
  });
  return catchUpPreview(recent.scrobbles, start, now, ctx.cfg);
}

/**
 * Makes sure the duration of the track the read shows playing is cached before a window opens
 * (one `track.getInfo` for a track never seen; the next poll would ask anyway): it is what tells
 * the play going on now from an earlier play of the same track whose scrobble lands late.
 * Best effort, like the avatar.
 */
export async function learnPlayingDuration(
  ctx: EngineContext,
  read: Pick<RecentTracks, 'nowPlaying'>,
): Promise<void> {
  const np = read.nowPlaying;
  if (np === null) return;
  try {
    const cache = await cachedDurations(ctx.db.kysely, [np]);
    if (cache.has(durationKey(np.artist, np.track))) return;
    await fetchDuration(ctx, np, cache, ctx.now());
  } catch (err) {
    // Best effort: without it the lead is bounded by the host's newest scrobble only.
    const message = err instanceof Error ? err.message : String(err);
    ctx.logger.debug({ err: message }, 'duration of the track playing unknown');
  }
}

/**
 * The lead of a window opening at `now` (inside the transaction that opens it), from the fresh
 * read made just before: the host row's newest seen scrobble and the cached duration of the
 * track playing bound it (see `openingLead`).
 */
export async function windowLead(
  trx: Trx,
  host: Pick<HostRow, 'newest_seen_uts'>,
  read: Pick<RecentTracks, 'nowPlaying' | 'scrobbles'>,
  now: Date,
): Promise<WindowLead | null> {
  const np = read.nowPlaying;
  if (np === null) return null;
  const durations = await cachedDurations(trx, [np]);
  const durationMs = durations.get(durationKey(np.artist, np.track));
  return openingLead(read, now, host.newest_seen_uts, durationMs);
}

/**
 * Looks up the host's avatar when it was never looked up or not for a day. Best effort: any
 * failure leaves the stored image as it was and is logged at debug; the day still counts, so a
 * failing host costs one call a day.
 */
export async function refreshHostImage(
  ctx: EngineContext,
  host: Pick<HostRow, 'id' | 'username'>,
): Promise<void> {
  try {
    const now = ctx.now();
    const stale = new Date(now.getTime() - HOST_IMAGE_TTL_MS);
    if (!(await claimImageCheck(ctx.db.kysely, host.id, now, stale))) return;
    const info = await ctx.lastfm.getUserInfo(host.username);
    await saveHostImage(ctx.db.kysely, host.id, info.imageUrl);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.logger.debug({ host: host.username, err: message }, 'host avatar lookup failed');
  }
}
