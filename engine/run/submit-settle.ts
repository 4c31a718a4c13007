/**
 * The submitter's settle transaction: writes the results of a batch of claims at once. Row
 * updates apply only where the row is still `sending` since the claim's time (a claim whose lease
 * ran out and was taken over writes nothing); counts and `mirrored`/`ignored` events follow the
 * rows really settled. Then the guest-level consequences: a revoked key stops the guest's follows,
 * the daily cap holds them, the own-scrobble guard pauses them.
 */
import { inTx, type EngineContext, type Trx } from './context.js';
import { heldEvent, ignoredEvent, mirroredEvent } from '../events.js';
import { countByFollow } from '../decide/submit-logic.js';
import type { OutboxUpdate } from '../types.js';
import type { ClaimResult } from './submit-exec.js';
import { applyTransition } from './transitions.js';
import { keepGuests, revokeKey } from '../../store/accounts.js';
import { insertEvents, type GuestEvent } from '../repo/events.js';
import { holdFollows, markGuardChecked, openFollowsOf } from '../repo/follows.js';
import { addFollowCounts, applyOutboxUpdates, deferGuestRows } from '../repo/outbox.js';

/** How many rows a settle transaction accepted and ignored. */
export interface SettleTotals {
  accepted: number;
  ignored: number;
}

/** Writes every result in one transaction (see the module comment). */
export async function settleResults(
  ctx: EngineContext,
  results: readonly ClaimResult[],
): Promise<SettleTotals> {
  const now = ctx.now();
  const sorted = [...results].sort((a, b) => a.claim.account.id - b.claim.account.id);
  return inTx(ctx, async (trx) => {
    // Lock order as everywhere: accounts, outbox, follows, windows, events. A guest who
    // disconnected while the batch was in flight is gone with all their rows: skip them.
    const present = await keepGuests(
      trx,
      sorted.map((r) => r.claim.account.id),
    );
    const ordered = sorted.filter((r) => present.has(r.claim.account.id));
    for (const r of ordered) {
      if (r.guest.kind === 'stop_follows') await revokeKey(trx, r.claim.account.id, now);
    }
    const guarded = ordered.flatMap((r) =>
      r.updates.map((update) => ({
        update,
        expectState: 'sending' as const,
        expectSince: r.claim.since,
      })),
    );
    const applied = await applyOutboxUpdates(trx, guarded);
    const done = guarded.map((g) => g.update).filter((u) => applied.has(u.id));
    const rows = ordered.flatMap((r) => r.claim.rows);
    await addFollowCounts(trx, countByFollow(rows, done));
    const events = settledEvents(ordered, done);
    for (const r of ordered) events.push(...(await guestConsequences(trx, r, now)));
    await insertEvents(trx, events, now);
    return {
      accepted: done.filter((u) => u.state === 'accepted').length,
      ignored: done.filter((u) => u.state === 'ignored').length,
    };
  });
}

/** `mirrored` and `ignored` events of the rows that really settled. */
function settledEvents(
  results: readonly ClaimResult[],
  done: readonly OutboxUpdate[],
): GuestEvent[] {
  const rowById = new Map(results.flatMap((r) => r.claim.rows).map((row) => [row.id, row]));
  return done.flatMap((u): GuestEvent[] => {
    const row = rowById.get(u.id);
    if (row === undefined) return [];
    if (u.state === 'accepted') return [{ guestId: row.guest_id, event: mirroredEvent(row) }];
    if (u.state === 'ignored') {
      return [{ guestId: row.guest_id, event: ignoredEvent(row, u.ignored_code ?? -1) }];
    }
    return [];
  });
}

/** The guard's pauses and checks, a revoked key's stops, a daily-cap hold. */
async function guestConsequences(trx: Trx, r: ClaimResult, now: Date): Promise<GuestEvent[]> {
  const events: GuestEvent[] = [];
  const guestId = r.claim.account.id;
  await markGuardChecked(trx, r.guardChecked, now);
  for (const f of r.pause) {
    const applied = await applyTransition(
      trx,
      f,
      { type: 'pause', reason: 'already_scrobbling' },
      now,
    );
    if (applied) events.push(applied.event);
  }
  switch (r.guest.kind) {
    case 'none':
      break;
    case 'stop_follows':
      for (const f of await openFollowsOf(trx, [guestId])) {
        const applied = await applyTransition(
          trx,
          f,
          { type: 'stop', reason: r.guest.reason },
          now,
        );
        if (applied) events.push(applied.event);
      }
      break;
    case 'hold': {
      const { until } = r.guest;
      const batchFollows = [...new Set(r.claim.rows.map((row) => row.follow_id))];
      const held = await holdFollows(trx, guestId, batchFollows, until);
      await deferGuestRows(trx, guestId, until);
      events.push(...held.map((id) => ({ guestId, event: heldEvent(id, until) })));
      break;
    }
  }
  return events;
}
