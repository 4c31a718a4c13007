/**
 * The follow lifecycle as the server asks for it: start (with an optional catch-up), pause,
 * resume, stop, the catch-up preview, and what a guest's sign-in or disconnection means. Each is
 * one short transaction; the guest's open follow is locked first and the time taken after the
 * lock, so a window never closes before a poll that already read it open has committed.
 */
import { LastfmError } from '../lastfm/errors.js';
import type { RecentTracks, RecentTracksQuery } from '../lastfm/types.js';
import type { NewOutbox } from '../store/schema.js';
import { validateCatchUpStart, catchUpPreview, type CatchUpPlan } from './catch-up.js';
import { inTx, isUniqueViolation, type EngineContext } from './context.js';
import {
  EngineError,
  type CatchUpPreview,
  type FollowSummary,
  type StartFollowOptions,
} from './engine-api.js';
import { stateChangedEvent } from './events.js';
import { transitionOrThrow, type FollowAction } from './follow-state.js';
import type { EngineScrobble } from './types.js';
import { applyRequestedTransition, applyTransition } from './transitions.js';
import { guestAccounts } from './repo/accounts.js';
import { insertEvents, type GuestEvent } from './repo/events.js';
import { applyWindowOpToDb, insertFollow, openFollowOf } from './repo/follows.js';
import { ensureHost, wakeHost } from './repo/hosts.js';
import { insertOutbox, makeGuestDue } from './repo/outbox.js';

/** Last.fm user names are short; anything longer (or empty) is not one. */
const MAX_USERNAME = 64;
/** A concurrent start by the same guest can race the one-open-follow index: try again. */
const START_ATTEMPTS = 3;

/** A Last.fm failure while looking at a host, as the refusal the server shows. */
function hostLookupError(err: unknown): unknown {
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
async function lookAtHost(
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

/** Checks the request before any Last.fm call: a plausible name, a signed-in guest, not themself. */
async function checkTarget(
  ctx: EngineContext,
  guestId: number,
  hostUsername: string,
): Promise<string> {
  const name = hostUsername.trim();
  if (name === '' || name.length > MAX_USERNAME) {
    throw new EngineError('INVALID_REQUEST', 'invalid Last.fm username');
  }
  const [guest] = await guestAccounts(ctx.db.kysely, [guestId]);
  if (guest?.key_state !== 'valid') {
    throw new EngineError('AUTH_REQUIRED', 'sign in with Last.fm again');
  }
  if (guest.username.toLowerCase() === name.toLowerCase()) {
    throw new EngineError('TARGET_IS_SELF', 'you cannot follow yourself');
  }
  return name;
}

/** The catch-up plan from `since` (ms): validated, the host's scrobbles since then fetched. */
async function catchUpPlan(
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

/** The follow API (see `EngineApi`). */
export function createFollowsService(ctx: EngineContext) {
  /** Applies a guest's request to their open follow; wakes the host when a window opened. */
  async function request(guestId: number, action: FollowAction): Promise<FollowSummary> {
    const done = await inTx(ctx, async (trx) => {
      const follow = await openFollowOf(trx, guestId, true);
      const now = ctx.now();
      if (!follow) transitionOrThrow(null, action, now);
      const f = follow as NonNullable<typeof follow>;
      const applied = await applyRequestedTransition(trx, f, action, now);
      await insertEvents(trx, [applied.event], now);
      const host = await trx
        .selectFrom('hosts')
        .select('username')
        .where('id', '=', f.host_id)
        .executeTakeFirstOrThrow();
      return { f, applied, host };
    });
    if (done.applied.pollHostNow) {
      await wakeHost(ctx.db.kysely, done.f.host_id, ctx.now());
      ctx.wake();
    }
    return { followId: done.f.id, hostUsername: done.host.username, state: done.applied.state };
  }

  /** The start transaction: switch away from the open follow, insert the new one and its window. */
  async function insertStart(
    guestId: number,
    name: string,
    opts: StartFollowOptions,
    plan: CatchUpPlan<EngineScrobble> | null,
  ) {
    return inTx(ctx, async (trx) => {
      const host = await ensureHost(trx, name, ctx.now());
      const current = await openFollowOf(trx, guestId, true);
      const now = ctx.now();
      const events: GuestEvent[] = [];
      if (current) {
        const stop = { type: 'stop', reason: 'switched' } as const;
        events.push((await applyRequestedTransition(trx, current, stop, now)).event);
      }
      const start = transitionOrThrow(null, { type: 'start', openAt: plan?.opensAt }, now);
      const follow = await insertFollow(trx, {
        guest_id: guestId,
        host_id: host.id,
        mirror_now_playing: opts.mirrorNowPlaying ?? true,
        ...start.patch,
        started_at: now,
        created_at: now,
      });
      await applyWindowOpToDb(trx, follow.id, start.window);
      // The poller re-reads recent history only: the confirmed catch-up goes in now.
      const rows: NewOutbox[] = (plan?.scrobbles ?? []).map((s) => ({
        follow_id: follow.id,
        guest_id: guestId,
        artist: s.artist,
        track: s.track,
        album: s.album,
        timestamp: s.timestamp,
        image_url: s.imageUrl ?? null,
        state: 'pending',
        next_attempt_at: now,
        created_at: now,
      }));
      await insertOutbox(trx, rows);
      events.push({ guestId, event: stateChangedEvent(follow.id, 'active') });
      await insertEvents(trx, events, now);
      return { follow, host };
    });
  }

  return {
    async startFollow(
      guestId: number,
      hostUsername: string,
      opts: StartFollowOptions = {},
    ): Promise<FollowSummary> {
      const name = await checkTarget(ctx, guestId, hostUsername);
      const plan =
        opts.catchUpFrom === undefined ? null : await catchUpPlan(ctx, name, opts.catchUpFrom);
      if (plan === null) await lookAtHost(ctx, name, { limit: 1 });
      for (let attempt = 1; ; attempt++) {
        try {
          const { follow, host } = await insertStart(guestId, name, opts, plan);
          await wakeHost(ctx.db.kysely, host.id, ctx.now());
          ctx.wake();
          return { followId: follow.id, hostUsername: host.username, state: 'active' };
        } catch (err) {
          if (attempt >= START_ATTEMPTS || !isUniqueViolation(err)) throw err;
        }
      }
    },

    pause: (guestId: number) => request(guestId, { type: 'pause', reason: 'user' }),
    resume: (guestId: number) => request(guestId, { type: 'resume' }),
    stop: (guestId: number) => request(guestId, { type: 'stop', reason: 'stopped_by_user' }),

    async catchUpPreview(
      guestId: number,
      hostUsername: string,
      since: number,
    ): Promise<CatchUpPreview> {
      const name = await checkTarget(ctx, guestId, hostUsername);
      const plan = await catchUpPlan(ctx, name, since);
      return {
        targetUsername: name,
        since: plan.opensAt.getTime(),
        scrobbles: plan.scrobbles.map((s) => ({
          artist: s.artist,
          track: s.track,
          album: s.album,
          imageUrl: s.imageUrl ?? null,
          timestamp: s.timestamp,
        })),
        total: plan.total,
        capped: plan.capped,
      };
    },

    async accountReauthorized(guestId: number): Promise<void> {
      await makeGuestDue(ctx.db.kysely, guestId, ctx.now());
      ctx.wake();
    },

    async accountDisconnected(guestId: number): Promise<void> {
      await inTx(ctx, async (trx) => {
        const follow = await openFollowOf(trx, guestId, true);
        if (!follow) return;
        const now = ctx.now();
        const stop = { type: 'stop', reason: 'auth_revoked' } as const;
        const applied = await applyTransition(trx, follow, stop, now);
        if (applied) await insertEvents(trx, [applied.event], now);
      });
    },
  };
}

/** The follow API object `createFollowsService` returns. */
export type FollowsService = ReturnType<typeof createFollowsService>;
