/**
 * The follow lifecycle as the server asks for it: start (with an optional catch-up), pause,
 * resume, stop, the catch-up preview, and what a guest's sign-in or disconnection means. Each is
 * one short transaction; the guest's open follow is locked first and the time taken after the
 * lock, so a window never closes before a poll that already read it open has committed. A window
 * opened by a start (without catch-up) or a resume carries a lead — the track the host is playing
 * then — from a fresh read of the host made just before the transaction (see windows.ts).
 * Pause, resume and stop are idempotent: the state the follow is already in succeeds unchanged.
 */
import { MIRROR_NOW_PLAYING_DEFAULT } from '../../contract/session.js';
import type { RecentTracks } from '../../lastfm/types.js';
import type { DbExecutor } from '../../store/schema.js';
import {
  deleteAccount,
  guestAccounts,
  keepGuests,
  lockAccountForDelete,
} from '../../store/accounts.js';
import type { CatchUpPlan } from '../decide/catch-up.js';
import { inTx, isForeignKeyViolation, isUniqueViolation, type EngineContext } from './context.js';
import {
  EngineError,
  type CatchUpPreview,
  type DisconnectResult,
  type FollowSummary,
  type StartFollowOptions,
} from '../engine-api.js';
import { ignoredReason, stateChangedEvent } from '../events.js';
import {
  catchUpPlan,
  learnPlayingDuration,
  lookAtHost,
  refreshHostImage,
  windowLead,
} from './follow-host.js';
import { guestRequest, transitionOrThrow, type FollowAction } from '../decide/follow-state.js';
import { countNotAdded } from './poll-write.js';
import { UNMIRRORABLE_CODE, type EngineScrobble } from '../types.js';
import { applyRequestedTransition } from './transitions.js';
import { insertEvents, type GuestEvent } from '../repo/events.js';
import { applyWindowOpToDb, insertFollow, newestFollowOf, openFollowOf } from '../repo/follows.js';
import { ensureHost, wakeHost } from '../repo/hosts.js';
import { insertOutbox, makeGuestDue, newOutboxRow, unsettledCount } from '../repo/outbox.js';

/** Last.fm user names are short; anything longer (or empty) is not one. */
const MAX_USERNAME = 64;
/**
 * A concurrent start by the same guest can race the one-open-follow index, and a history prune
 * the host row it references: try again.
 */
const START_ATTEMPTS = 3;

/** A guest's request on their follow, other than start. */
type GuestAction = Exclude<FollowAction, { type: 'start' }>;

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

/** The host row's name and newest seen scrobble. */
async function hostOf(db: DbExecutor, hostId: number) {
  return db
    .selectFrom('hosts')
    .select(['id', 'username', 'newest_seen_uts'])
    .where('id', '=', hostId)
    .executeTakeFirstOrThrow();
}

/** A fresh read of a follow's host, made before the transaction that opens a window. */
interface HostRead {
  hostId: number;
  tracks: RecentTracks;
}

/** The follow API (see `EngineApi`). */
export function createFollowsService(ctx: EngineContext) {
  /**
   * Applies a guest's pause, resume or stop to their newest follow (the open one, locked); the
   * state it is already in succeeds unchanged. Wakes the host when a window opened. `read`: the
   * fresh look at the host a resume made, for the new window's lead.
   */
  async function request(
    guestId: number,
    action: GuestAction,
    read: HostRead | null = null,
  ): Promise<FollowSummary> {
    const done = await inTx(ctx, async (trx) => {
      // Lock order as everywhere (accounts first): a disconnection runs before or after this.
      await keepGuests(trx, [guestId]);
      const follow =
        (await openFollowOf(trx, guestId, true)) ?? (await newestFollowOf(trx, guestId));
      const now = ctx.now();
      const outcome = guestRequest(follow?.state ?? null, action, now);
      // guestRequest refuses everything to a guest who never had a follow.
      if (follow === undefined) throw new EngineError('INVALID_STATE', 'no follow');
      const host = await hostOf(trx, follow.host_id);
      if (outcome.kind === 'unchanged') {
        return { follow, host, state: outcome.state, pollHostNow: false };
      }
      let act: GuestAction = action;
      if (act.type === 'resume' && read?.hostId === follow.host_id) {
        act = { ...act, lead: await windowLead(trx, host, read.tracks, now) };
      }
      const applied = await applyRequestedTransition(trx, follow, act, now);
      await insertEvents(trx, [applied.event], now);
      return { follow, host, state: applied.state, pollHostNow: applied.pollHostNow };
    });
    if (done.pollHostNow) {
      await wakeHost(ctx.db.kysely, done.host.id, ctx.now());
      ctx.wake();
    }
    return { followId: done.follow.id, hostUsername: done.host.username, state: done.state };
  }

  /** Resume: a paused follow's host is read first (its now-playing is the new window's lead). */
  async function resume(guestId: number): Promise<FollowSummary> {
    const db = ctx.db.kysely;
    const current = (await openFollowOf(db, guestId)) ?? (await newestFollowOf(db, guestId));
    if (current?.state !== 'paused') return request(guestId, { type: 'resume' });
    const host = await hostOf(db, current.host_id);
    const tracks = await lookAtHost(ctx, host.username, { limit: 1 });
    await learnPlayingDuration(ctx, tracks);
    return request(guestId, { type: 'resume' }, { hostId: host.id, tracks });
  }

  /** The start transaction: switch away from the open follow, insert the new one and its window. */
  async function insertStart(
    guestId: number,
    name: string,
    opts: StartFollowOptions,
    plan: CatchUpPlan<EngineScrobble> | null,
    read: RecentTracks | null,
  ) {
    return inTx(ctx, async (trx) => {
      if ((await keepGuests(trx, [guestId])).size === 0) {
        throw new EngineError('AUTH_REQUIRED', 'sign in with Last.fm again');
      }
      const host = await ensureHost(trx, name, ctx.now());
      const current = await openFollowOf(trx, guestId, true);
      const now = ctx.now();
      const events: GuestEvent[] = [];
      if (current) {
        const stop = { type: 'stop', reason: 'switched' } as const;
        events.push((await applyRequestedTransition(trx, current, stop, now)).event);
      }
      // A catch-up window opens in the past: no lead.
      const lead = read === null ? null : await windowLead(trx, host, read, now);
      const openAt = plan === null ? {} : { openAt: plan.opensAt };
      const start = transitionOrThrow(null, { type: 'start', ...openAt, lead }, now);
      const follow = await insertFollow(trx, {
        guest_id: guestId,
        host_id: host.id,
        mirror_now_playing: opts.mirrorNowPlaying ?? MIRROR_NOW_PLAYING_DEFAULT,
        ...start.patch,
        started_at: now,
        created_at: now,
      });
      await applyWindowOpToDb(trx, follow.id, start.window);
      // The poller re-reads recent history only: the confirmed catch-up goes in now.
      const target = { follow_id: follow.id, guest_id: guestId, due: now };
      const { notAdded } = await insertOutbox(
        trx,
        (plan?.scrobbles ?? []).map((s) => newOutboxRow(target, s, now)),
      );
      events.push({ guestId, event: stateChangedEvent(follow.id, 'active') });
      await insertEvents(trx, events, now);
      return { follow, host, notAdded };
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
      const read = plan === null ? await lookAtHost(ctx, name, { limit: 1 }) : null;
      if (read !== null) await learnPlayingDuration(ctx, read);
      for (let attempt = 1; ; attempt++) {
        try {
          const { follow, host, notAdded } = await insertStart(guestId, name, opts, plan, read);
          countNotAdded(ctx, notAdded);
          await wakeHost(ctx.db.kysely, host.id, ctx.now());
          ctx.wake();
          await refreshHostImage(ctx, host);
          return { followId: follow.id, hostUsername: host.username, state: 'active' };
        } catch (err) {
          const retry = isUniqueViolation(err) || isForeignKeyViolation(err);
          if (attempt >= START_ATTEMPTS || !retry) throw err;
        }
      }
    },

    pause: (guestId: number) => request(guestId, { type: 'pause', reason: 'user' }),
    resume,
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
          // Recorded as not added at once on confirm (newOutboxRow), as a poll would.
          notAdded:
            s.unmirrorable === undefined ? null : ignoredReason(UNMIRRORABLE_CODE[s.unmirrorable]),
        })),
        total: plan.total,
        capped: plan.capped,
      };
    },

    async accountReauthorized(guestId: number): Promise<void> {
      await makeGuestDue(ctx.db.kysely, guestId, ctx.now());
      ctx.wake();
    },

    /**
     * Deletes the guest's account and, by cascade, every row about them, counting what was not
     * sent yet. The account row is locked first, as the submitter's settle and the poll lock it
     * (FOR KEY SHARE) before writing for the guest: whichever comes second sees the other done.
     */
    async accountDisconnected(guestId: number): Promise<DisconnectResult> {
      const result = await inTx(ctx, async (trx) => {
        if (!(await lockAccountForDelete(trx, guestId))) return { dropped: 0 };
        const dropped = await unsettledCount(trx, guestId);
        await deleteAccount(trx, guestId);
        return { dropped };
      });
      ctx.logger.info({ guestId, dropped: result.dropped }, 'guest disconnected: data deleted');
      return result;
    },
  };
}

/** The follow API object `createFollowsService` returns. */
export type FollowsService = ReturnType<typeof createFollowsService>;
