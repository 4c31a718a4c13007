/**
 * Builders of `OutboxUpdate`s: every state an outbox row can be moved to, with the columns the
 * store's constraints tie together (`settled_at` exactly when accepted/ignored, `sending_since`
 * exactly when sending). The store writes an update only to a row still in the state it was read in.
 */
import { ignoredReason } from '../events.js';
import type { OutboxRow, OutboxUpdate } from '../types.js';

type Row = Pick<OutboxRow, 'id' | 'attempts' | 'next_attempt_at' | 'last_error'>;

/** Accepted by Last.fm: final. */
export function acceptedUpdate(row: Row, now: Date): OutboxUpdate {
  return {
    id: row.id,
    state: 'accepted',
    attempts: row.attempts,
    next_attempt_at: row.next_attempt_at,
    sending_since: null,
    ignored_code: null,
    ignored_message: null,
    last_error: row.last_error,
    settled_at: now,
  };
}

/** Ignored with `code` (Last.fm's, or one of Lasso's negative ones): final, never resent. */
export function ignoredUpdate(
  row: Row,
  code: number,
  now: Date,
  detail: { error?: string | null; message?: string; attempts?: number } = {},
): OutboxUpdate {
  return {
    ...acceptedUpdate(row, now),
    state: 'ignored',
    attempts: detail.attempts ?? row.attempts,
    ignored_code: code,
    // Last.fm mostly sends an empty message; then Lasso's own reason is more use to the guest.
    ignored_message: detail.message || ignoredReason(code),
    last_error: detail.error ?? row.last_error,
  };
}

/** Back to pending, due at `at`. */
export function pendingUpdate(
  row: Row,
  attempts: number,
  at: Date,
  error: string | null,
): OutboxUpdate {
  return {
    id: row.id,
    state: 'pending',
    attempts,
    next_attempt_at: at,
    sending_since: null,
    ignored_code: null,
    ignored_message: null,
    last_error: error,
    settled_at: null,
  };
}

/** Sending (or possibly sent): reconcile once `leaseEnd` has passed. */
export function sendingUpdate(
  row: Row,
  attempts: number,
  since: Date,
  leaseEnd: Date,
  error: string | null,
): OutboxUpdate {
  return {
    ...pendingUpdate(row, attempts, leaseEnd, error),
    state: 'sending',
    sending_since: since,
  };
}
