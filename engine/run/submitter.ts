/**
 * The submitter loop: find guests with due outbox work (one indexed query), claim a batch of them
 * (`submit-claim.ts`, committed before any call), run their Last.fm calls `maxConcurrency` at a
 * time (`submit-exec.ts`), and write the outcomes in one transaction (`submit-settle.ts`).
 * Exactly once rests on the claim: a row is in at most one call at a time, and a row whose call
 * may have gone through is only sent again after the guest's profile shows it did not.
 */
import { runPool, type EngineContext } from './context.js';
import { claimGuests } from './submit-claim.js';
import { executeClaim, type ClaimResult } from './submit-exec.js';
import { settleResults } from './submit-settle.js';
import { dueGuests } from '../repo/outbox.js';

/** Rounds of one `submitDueGuests` before it yields (each round is a batch of guests). */
const MAX_ROUNDS = 100;

/**
 * Submits for every guest with work due now, until none is left, nothing moves (every due guest
 * is being handled by another instance), or `stopping()` says so. Returns how many claims ran.
 */
export async function submitDueGuests(
  ctx: EngineContext,
  stopping: () => boolean,
): Promise<number> {
  const batch = ctx.maxConcurrency * 8;
  let handled = 0;
  for (let round = 0; round < MAX_ROUNDS && !stopping(); round++) {
    const guests = await dueGuests(ctx.db.kysely, ctx.now(), batch);
    if (guests.length === 0) break;
    const { claims, progressed, expired } = await claimGuests(ctx, guests);
    if (!progressed) break;
    // Renewed until settled, however long the calls take; a crash lets them lapse soon.
    const releases = claims.map((c) =>
      ctx.leases.holdRows(
        c.rows.map((r) => r.id),
        c.since,
      ),
    );
    try {
      if (claims.some((c) => c.kind === 'send')) ctx.crash('submit:after-mark-sending');
      const results: ClaimResult[] = [];
      await runPool(
        claims,
        ctx.maxConcurrency,
        async (claim) => {
          results.push(await executeClaim(ctx, claim));
        },
        (claim, err) =>
          // Its rows stay `sending` under this claim's lease and are reconciled when it ends.
          ctx.logger.error({ err, guestId: claim.account.id }, 'submission failed'),
      );
      if (results.length > 0) {
        const totals = await settleResults(ctx, results);
        ctx.crash('submit:after-settle');
        if (totals.accepted > 0) ctx.metrics?.scrobblesSettled('accepted', totals.accepted);
        if (totals.ignored > 0) ctx.metrics?.scrobblesSettled('ignored', totals.ignored);
      }
    } finally {
      for (const release of releases) release();
    }
    handled += claims.length;
    // Work due now can remain only behind a full batch, a reconciliation or an expiry.
    const more =
      guests.length === batch ||
      expired > 0 ||
      claims.some((c) => c.kind === 'reconcile' || c.rows.length >= ctx.cfg.batchSize);
    if (!more) break;
  }
  return handled;
}
