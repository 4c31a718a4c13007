/**
 * Rows found `sending` after a crash, a lost lease or a call of unknown outcome may already be on
 * the guest's profile. Before sending them again, look: fetch the guest's own recent tracks over
 * the rows' timestamps (`guestHistoryRange(rows, 0)`) and split the rows into those Last.fm
 * already has and those to send again.
 */
import { mirroredEvent, type EngineEvent } from '../events.js';
import { matchOneToOne } from './match.js';
import { acceptedUpdate, pendingUpdate } from './outbox-updates.js';
import { countByFollow, type FollowCounts } from './submit-logic.js';
import type { EngineScrobble, OutboxRow, OutboxUpdate } from '../types.js';

/** The split of possibly-sent rows. */
export interface Reconciliation<R> {
  /** On the guest's profile: settle as accepted. */
  accepted: R[];
  /** Not there: send again. */
  pending: R[];
}

/**
 * Splits `sendingRows` by whether the guest's profile shows them. A row is there when a guest
 * scrobble has its exact timestamp (Lasso sends the host's original one) and the same artist or
 * track after folding case, accents and spacing (Last.fm may auto-correct one of the names);
 * each guest scrobble accounts for one row, exact name matches first.
 */
export function reconcileSending<R extends OutboxRow>(
  sendingRows: readonly R[],
  guestRecentScrobbles: readonly EngineScrobble[],
): Reconciliation<R> {
  const found = matchOneToOne(sendingRows, guestRecentScrobbles);
  return {
    accepted: sendingRows.filter((_, i) => found.has(i)),
    pending: sendingRows.filter((_, i) => !found.has(i)),
  };
}

/**
 * The writes for a reconciliation: accepted rows settle (with `mirrored` events and counts);
 * the others go back to pending, due now, attempts unchanged (a crash is not the row's fault).
 */
export function reconciledUpdates(
  rec: Reconciliation<OutboxRow>,
  now: Date,
): { updates: OutboxUpdate[]; events: EngineEvent[]; counts: FollowCounts[] } {
  const updates = [
    ...rec.accepted.map((r) => acceptedUpdate(r, now)),
    ...rec.pending.map((r) => pendingUpdate(r, r.attempts, now, r.last_error)),
  ];
  return {
    updates,
    events: rec.accepted.map((r) => mirroredEvent(r)),
    counts: countByFollow([...rec.accepted, ...rec.pending], updates),
  };
}
