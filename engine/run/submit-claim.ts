/**
 * The submitter's claim: one short transaction for a batch of due guests. Each guest's account row
 * is locked (SKIP LOCKED: a guest another instance is claiming is skipped), its queue read and
 * `submitterDecision` taken; the rows to send (or to reconcile) are marked `sending` under a
 * fresh lease, and that commits before any Last.fm call. Only rows the guarded update really
 * moved are claimed, so two instances can never hold the same row.
 */
import type { OutboxRow as StoreOutboxRow } from '../../store/schema.js';
import { inTx, type EngineContext, type Trx } from './context.js';
import { ignoredEvent } from '../events.js';
import { guardCheckDue } from '../decide/guard.js';
import { sendingUpdate } from '../decide/outbox-updates.js';
import { countByFollow, markSending, submitterDecision } from '../decide/submit-logic.js';
import type { FollowState, OutboxUpdate, PauseReason } from '../types.js';
import { lockGuests, type GuestAccount } from '../../store/accounts.js';
import { insertEvents, type GuestEvent } from '../repo/events.js';
import {
  addFollowCounts,
  applyOutboxUpdates,
  deferGuestRows,
  guestQueues,
  heldUntilOf,
  type GuardedUpdate,
} from '../repo/outbox.js';

/** A follow of a batch, as the own-scrobble guard sees it. */
export interface GuardFollow {
  id: number;
  guest_id: number;
  state: FollowState;
  pause_reason: PauseReason | null;
  /** The guard must look at the guest's tracks before this follow's rows go out. */
  due: boolean;
}

/** Rows of one guest marked `sending` at `since` by this instance: to send or to reconcile. */
export interface Claim {
  kind: 'send' | 'reconcile';
  account: GuestAccount;
  rows: StoreOutboxRow[];
  since: Date;
  guard: GuardFollow[];
}

/** What one claim transaction did. */
export interface ClaimBatch {
  claims: Claim[];
  /** Something changed (a claim, an expiry, a deferral): false means every guest was skipped. */
  progressed: boolean;
  /** Rows settled without a call (too old, unsendable): what follows them may be due now. */
  expired: number;
}

interface Plan {
  kind: Claim['kind'];
  account: GuestAccount;
  updates: OutboxUpdate[];
}

/** Rows the head of each guest's queue is looked at through (the decision sees no further). */
const QUEUE_WINDOW_BATCHES = 4;

/** Claims the due work of `guestIds` (see the module comment). */
export async function claimGuests(
  ctx: EngineContext,
  guestIds: readonly number[],
): Promise<ClaimBatch> {
  return inTx(ctx, async (trx) => {
    const now = ctx.now();
    const accounts = await lockGuests(trx, guestIds);
    const ids = accounts.map((a) => a.id);
    const queues = await guestQueues(trx, ids, ctx.cfg.batchSize * QUEUE_WINDOW_BATCHES);
    const held = await heldUntilOf(trx, ids, now);
    const plans: Plan[] = [];
    const guarded: GuardedUpdate[] = [];
    const expired: OutboxUpdate[] = [];
    let progressed = false;
    for (const account of accounts) {
      const rows = queues.get(account.id) ?? [];
      const step = await decide(ctx, trx, account, rows, held.get(account.id) ?? null, now);
      progressed ||= step.deferred;
      expired.push(...step.expired);
      if (step.plan) plans.push(step.plan);
    }
    const rowById = new Map([...queues.values()].flat().map((r) => [r.id, r]));
    for (const u of expired) guarded.push({ update: u, expectState: 'pending', expectSince: null });
    for (const p of plans) {
      for (const u of p.updates) {
        const row = rowById.get(u.id);
        if (row)
          guarded.push({ update: u, expectState: row.state, expectSince: row.sending_since });
      }
    }
    const applied = await applyOutboxUpdates(trx, guarded);
    await settleExpired(trx, expired, applied, rowById, now);
    const claims = await toClaims(trx, ctx, plans, applied, rowById, now);
    const expiredNow = expired.filter((u) => applied.has(u.id)).length;
    return { claims, progressed: progressed || applied.size > 0, expired: expiredNow };
  });
}

/** One guest's decision: rows to expire, rows to mark, or a deferral written at once. */
async function decide(
  ctx: EngineContext,
  trx: Trx,
  account: GuestAccount,
  queue: StoreOutboxRow[],
  heldUntil: Date | null,
  now: Date,
): Promise<{ plan: Plan | null; expired: OutboxUpdate[]; deferred: boolean }> {
  let rows = queue;
  let d = submitterDecision({ rows, heldUntil, now }, ctx.cfg);
  const expired: OutboxUpdate[] = [];
  if (d.kind === 'expire') {
    expired.push(...d.updates);
    const gone = new Set(d.updates.map((u) => u.id));
    rows = rows.filter((r) => !gone.has(r.id));
    d = submitterDecision({ rows, heldUntil, now }, ctx.cfg);
  }
  const none = { plan: null, expired, deferred: false };
  switch (d.kind) {
    case 'idle':
    case 'expire':
      return none;
    case 'held':
    case 'wait':
      // A batch in flight settles by itself; a hold or a queue head in back-off would make this
      // guest look due again at once, so its rows wait for that time in the store too.
      if (rows.some((r) => r.state === 'sending')) return none;
      await deferGuestRows(trx, account.id, d.until);
      return { ...none, deferred: true };
    case 'reconcile': {
      const leaseEnd = new Date(now.getTime() + ctx.cfg.leaseMs);
      const updates = d.rows.map((r) => sendingUpdate(r, r.attempts, now, leaseEnd, r.last_error));
      return { ...none, plan: { kind: 'reconcile', account, updates } };
    }
    case 'send':
      if (account.key_state !== 'valid' || account.session_key_enc === null) return none;
      return {
        ...none,
        plan: { kind: 'send', account, updates: markSending(d.rows, now, ctx.cfg) },
      };
  }
}

/** Counts and `ignored` events for rows settled without a call (too old, unsendable). */
async function settleExpired(
  trx: Trx,
  expired: readonly OutboxUpdate[],
  applied: ReadonlySet<number>,
  rowById: ReadonlyMap<number, StoreOutboxRow>,
  now: Date,
): Promise<void> {
  const done = expired.filter((u) => applied.has(u.id));
  if (done.length === 0) return;
  const rows = done.flatMap((u) => rowById.get(u.id) ?? []);
  await addFollowCounts(trx, countByFollow(rows, done));
  const events: GuestEvent[] = done.flatMap((u) => {
    const row = rowById.get(u.id);
    return row ? [{ guestId: row.guest_id, event: ignoredEvent(row, u.ignored_code ?? -1) }] : [];
  });
  await insertEvents(trx, events, now);
}

/** The claims: the rows each plan really marked, as they now are, with the guard's view. */
async function toClaims(
  trx: Trx,
  ctx: EngineContext,
  plans: readonly Plan[],
  applied: ReadonlySet<number>,
  rowById: ReadonlyMap<number, StoreOutboxRow>,
  now: Date,
): Promise<Claim[]> {
  const claims: Claim[] = [];
  for (const p of plans) {
    const rows = p.updates
      .filter((u) => applied.has(u.id))
      .flatMap((u) => {
        const row = rowById.get(u.id);
        return row ? [{ ...row, ...u }] : [];
      });
    if (rows.length > 0)
      claims.push({ kind: p.kind, account: p.account, rows, since: now, guard: [] });
  }
  const sends = claims.filter((c) => c.kind === 'send');
  const followIds = [...new Set(sends.flatMap((c) => c.rows.map((r) => r.follow_id)))];
  const guard = await guardView(trx, ctx, followIds, now);
  for (const c of sends) {
    const mine = new Set(c.rows.map((r) => r.follow_id));
    c.guard = guard.filter((f) => mine.has(f.id));
  }
  return claims;
}

/** The follows of the batch with whether the own-scrobble guard is due for each. */
async function guardView(
  trx: Trx,
  ctx: EngineContext,
  followIds: readonly number[],
  now: Date,
): Promise<GuardFollow[]> {
  if (followIds.length === 0) return [];
  const rows = await trx
    .selectFrom('follows as f')
    .leftJoin('follow_windows as w', 'w.follow_id', 'f.id')
    .select(['f.id', 'f.guest_id', 'f.state', 'f.pause_reason', 'f.last_guard_check_at'])
    .select((eb) => eb.fn.max('w.opened_at').as('newest_open'))
    .where('f.id', 'in', followIds)
    .groupBy('f.id')
    .execute();
  return rows.map((f) => {
    // The guard only needs to know when the newest window opened.
    const windows = f.newest_open ? [{ opened_at: f.newest_open, closed_at: null }] : [];
    return {
      id: f.id,
      guest_id: f.guest_id,
      state: f.state,
      pause_reason: f.pause_reason,
      due: guardCheckDue(f, windows, now, ctx.cfg),
    };
  });
}
