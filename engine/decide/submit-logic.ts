/**
 * The submitter's state machine, per guest. An outbox row goes
 *   pending → sending (lease) → accepted | ignored | pending (retry, hold) | sending (outcome unknown)
 * and a `sending` row whose lease (`next_attempt_at`) has passed is reconciled against the guest's
 * own recent tracks before it may be sent again (reconcile.ts). Exactly once hinges on that:
 * a row is only resent when the guest's profile shows it did not arrive.
 */
import type { LastfmErrorKind } from '../../lastfm/errors.js';
import type { ScrobbleInput, ScrobbleItemResult } from '../../lastfm/types.js';
import { backoffMs, type Random } from '../../lib/random.js';
import type { EngineConfig } from '../config.js';
import { ignoredEvent, mirroredEvent, type EngineEvent } from '../events.js';
import { acceptedUpdate, ignoredUpdate, pendingUpdate, sendingUpdate } from './outbox-updates.js';
import { nextUtcDay } from './schedule.js';
import type { OutboxRow, OutboxUpdate, RowId } from '../types.js';
import { IGNORED_CODE } from '../types.js';
import { validTimestamp } from './windows.js';

/** What the submitter should do next for one guest. */
export type SubmitterDecision =
  | { kind: 'idle' }
  /** Possibly-sent rows whose lease ran out: check the guest's recent tracks first. */
  | { kind: 'reconcile'; rows: OutboxRow[] }
  /** Rows Last.fm could never accept: write these updates, no call. */
  | { kind: 'expire'; updates: OutboxUpdate[] }
  | { kind: 'held'; until: Date }
  | { kind: 'wait'; until: Date }
  /** Mark these `sending` (`markSending`), then call `track.scrobble` with them. */
  | { kind: 'send'; rows: OutboxRow[] };

/** Oldest scrobble first; ties by id so the order is total. */
export function byAge(a: OutboxRow, b: OutboxRow): number {
  return a.timestamp - b.timestamp || a.id - b.id;
}

/** Why a pending row can never be accepted, or null when it can be sent. */
function unsendable(
  row: OutboxRow,
  now: Date,
  cfg: EngineConfig,
): { code: number; error: string } | null {
  if (row.artist.trim() === '' || row.track.trim() === '' || !validTimestamp(row.timestamp)) {
    return {
      code: IGNORED_CODE.DEAD_LETTER,
      error: 'invalid scrobble: empty name or bad timestamp',
    };
  }
  if (row.timestamp * 1000 < now.getTime() - cfg.maxScrobbleAgeMs) {
    return { code: IGNORED_CODE.TOO_OLD, error: 'Last.fm refuses scrobbles over 14 days old' };
  }
  return null;
}

/**
 * The next step for one guest. `rows`: the guest's pending and sending outbox rows over all
 * their follows (settled ones are ignored); `heldUntil`: the latest `held_until` of their follows.
 * In order: reconcile lapsed leases; wait while a batch is in flight (one batch per guest at a
 * time); settle rows Last.fm could never accept; honour a hold; send the oldest due rows, at most
 * `batchSize`, never overtaking an older row that waits for its back-off.
 */
export function submitterDecision(
  input: { rows: readonly OutboxRow[]; heldUntil: Date | null; now: Date },
  cfg: EngineConfig,
): SubmitterDecision {
  const t = input.now.getTime();
  const sending = input.rows.filter((r) => r.state === 'sending').sort(byAge);
  const lapsed = sending.filter((r) => r.next_attempt_at.getTime() <= t);
  if (lapsed.length > 0) return { kind: 'reconcile', rows: lapsed };
  if (sending.length > 0) {
    const leaseEnd = Math.min(...sending.map((r) => r.next_attempt_at.getTime()));
    return { kind: 'wait', until: new Date(leaseEnd) };
  }
  const pending = input.rows.filter((r) => r.state === 'pending').sort(byAge);
  const expired = pending.flatMap((r) => {
    const why = unsendable(r, input.now, cfg);
    return why ? [ignoredUpdate(r, why.code, input.now, { error: why.error })] : [];
  });
  if (expired.length > 0) return { kind: 'expire', updates: expired };
  const head = pending[0];
  if (head === undefined) return { kind: 'idle' };
  if (input.heldUntil !== null && input.heldUntil.getTime() > t) {
    return { kind: 'held', until: input.heldUntil };
  }
  if (head.next_attempt_at.getTime() > t) return { kind: 'wait', until: head.next_attempt_at };
  const due: OutboxRow[] = [];
  for (const r of pending) {
    if (r.next_attempt_at.getTime() > t || due.length >= cfg.batchSize) break;
    due.push(r);
  }
  return { kind: 'send', rows: due };
}

/** The updates that mark a batch `sending` with a lease of `leaseMs`. Write them before the call. */
export function markSending(
  rows: readonly OutboxRow[],
  now: Date,
  cfg: EngineConfig,
): OutboxUpdate[] {
  const leaseEnd = new Date(now.getTime() + cfg.leaseMs);
  return rows.map((r) => sendingUpdate(r, r.attempts, now, leaseEnd, r.last_error));
}

/** The `track.scrobble` items for a batch: original timestamp, album (and album artist) when known. */
export function toScrobbleInputs(rows: readonly OutboxRow[]): ScrobbleInput[] {
  return rows.map((r) => {
    const item: ScrobbleInput = { artist: r.artist, track: r.track, timestamp: r.timestamp };
    if (r.album !== '') item.album = r.album;
    if (r.album_artist) item.albumArtist = r.album_artist;
    return item;
  });
}

/** How a `track.scrobble` call ended, as plain data. */
export type ScrobbleOutcome =
  | {
      kind: 'response';
      items: readonly (Pick<ScrobbleItemResult, 'timestamp' | 'ignoredCode'> & {
        ignoredMessage?: string;
      })[];
    }
  | {
      kind: 'error';
      errorKind: LastfmErrorKind;
      code: number;
      httpStatus: number | null;
      message: string;
    };

/** A `LastfmError` (or anything shaped like one) as a `ScrobbleOutcome`. */
export function scrobbleOutcomeFromError(err: {
  kind: LastfmErrorKind;
  code: number;
  httpStatus: number | null;
  message: string;
}): ScrobbleOutcome {
  const { kind, code, httpStatus, message } = err;
  return { kind: 'error', errorKind: kind, code, httpStatus, message };
}

/** What the driver does to the guest after a batch. */
export type GuestAction =
  | { kind: 'none' }
  /** Error 9: stop the guest's open follows with `auth_revoked`; their rows stay pending. */
  | { kind: 'stop_follows'; reason: 'auth_revoked' }
  /** Daily scrobble limit: set `held_until` on the guest's follows and emit `held`. */
  | { kind: 'hold'; until: Date };

/** Per-follow additions to `mirrored_count` / `ignored_count`. */
export interface FollowCounts {
  follow_id: RowId;
  mirrored: number;
  ignored: number;
}

/** Everything a batch's outcome changes. Write `updates` only to rows still `sending`. */
export interface SubmitSettlement {
  updates: OutboxUpdate[];
  events: EngineEvent[];
  counts: FollowCounts[];
  guest: GuestAction;
}

/** The time, the config and jitter for settling. */
export interface SettleContext {
  now: Date;
  cfg: EngineConfig;
  random: Random;
}

/**
 * Settles a batch that was marked `sending` with how `track.scrobble` ended:
 * - per item: 0 → accepted; 5 (daily limit) → back to pending, held until the next UTC day;
 *   any other code → ignored with that code, never resent;
 * - error 9 → rows back to pending as they were; the guest's follows stop with `auth_revoked`;
 * - error 29 / HTTP 429 → retried with back-off; on a batch already tried
 *   `capHoldAfterAttempts - 1` times it is taken for the daily limit and held until the next UTC
 *   day (a lone 29 is usually the per-IP rate limit; holding a day on it would stall the jam);
 * - other transient Last.fm errors (8, 11, 16, 5xx with a code) → retried with back-off;
 * - fatal errors → retried slowly (`fatalBackoff`), dead-lettered on attempt `maxFatalAttempts`;
 * - no Last.fm code (timeout, dropped connection, unreadable body), or a response that does not
 *   line up with the batch: the call may have gone through, so the rows stay `sending` and are
 *   reconciled after `reconcileDelayMs`.
 * One back-off delay for the whole batch, so its rows stay together.
 */
export function applyScrobbleResult(
  rows: readonly OutboxRow[],
  outcome: ScrobbleOutcome,
  ctx: SettleContext,
): SubmitSettlement {
  if (outcome.kind === 'response') return settleResponse(rows, outcome.items, ctx);
  const { errorKind, code, httpStatus } = outcome;
  const status = httpStatus === null ? '' : ` (HTTP ${httpStatus})`;
  const error = `Last.fm error ${code}${status}: ${outcome.message}`;
  const rateLimited = code === 29 || httpStatus === 429;
  if (code === 0 && !rateLimited) return unknownOutcome(rows, error, ctx);
  if (errorKind === 'auth_revoked') {
    const updates = rows.map((r) => pendingUpdate(r, r.attempts, ctx.now, error));
    return settlement(rows, updates, [], { kind: 'stop_follows', reason: 'auth_revoked' });
  }
  const attempts = Math.max(0, ...rows.map((r) => r.attempts)) + 1;
  const { submitBackoff, fatalBackoff, capHoldAfterAttempts, maxFatalAttempts } = ctx.cfg;
  if (rateLimited && attempts >= capHoldAfterAttempts) return hold(rows, error, ctx);
  if (errorKind === 'retryable' || rateLimited) return retry(rows, submitBackoff, error, ctx);
  if (attempts < maxFatalAttempts) return retry(rows, fatalBackoff, error, ctx);
  const updates = rows.map((r) =>
    ignoredUpdate(r, IGNORED_CODE.DEAD_LETTER, ctx.now, { error, attempts: r.attempts + 1 }),
  );
  const events = rows.map((r) => ignoredEvent(r, IGNORED_CODE.DEAD_LETTER));
  return settlement(rows, updates, events, { kind: 'none' });
}

/** Per-item results of a batch Last.fm answered. */
function settleResponse(
  rows: readonly OutboxRow[],
  items: Extract<ScrobbleOutcome, { kind: 'response' }>['items'],
  ctx: SettleContext,
): SubmitSettlement {
  // Items come back in the order sent; anything else means we cannot tell which row is which.
  if (items.length !== rows.length || items.some((it, i) => it.timestamp !== rows[i]?.timestamp)) {
    return unknownOutcome(rows, 'scrobble response does not line up with the batch', ctx);
  }
  const until = nextUtcDay(ctx.now);
  let held = false;
  const updates: OutboxUpdate[] = [];
  const events: EngineEvent[] = [];
  rows.forEach((row, i) => {
    const item = items[i];
    const code = item?.ignoredCode ?? 0;
    if (code === 0) {
      updates.push(acceptedUpdate(row, ctx.now));
      events.push(mirroredEvent(row));
    } else if (code === IGNORED_CODE.DAILY_LIMIT) {
      held = true;
      updates.push(pendingUpdate(row, 0, until, 'daily scrobble limit reached (code 5)'));
    } else {
      const error = `ignored by Last.fm (code ${code})`;
      const message = item?.ignoredMessage;
      const detail = { error, ...(message === undefined ? {} : { message }) };
      updates.push(ignoredUpdate(row, code, ctx.now, detail));
      events.push(ignoredEvent(row, code));
    }
  });
  return settlement(rows, updates, events, held ? { kind: 'hold', until } : { kind: 'none' });
}

/** The call may have gone through: keep `sending`, reconcile after `reconcileDelayMs`. */
function unknownOutcome(
  rows: readonly OutboxRow[],
  error: string,
  ctx: SettleContext,
): SubmitSettlement {
  const at = new Date(ctx.now.getTime() + ctx.cfg.reconcileDelayMs);
  const updates = rows.map((r) =>
    sendingUpdate(r, r.attempts + 1, r.sending_since ?? ctx.now, at, error),
  );
  return settlement(rows, updates, [], { kind: 'none' });
}

/** Back to pending after one shared back-off delay, based on the most-tried row. */
function retry(
  rows: readonly OutboxRow[],
  backoff: EngineConfig['submitBackoff'],
  error: string,
  ctx: SettleContext,
): SubmitSettlement {
  const tried = Math.max(0, ...rows.map((r) => r.attempts));
  const at = new Date(
    ctx.now.getTime() + backoffMs(tried, backoff.baseMs, backoff.capMs, ctx.random),
  );
  const updates = rows.map((r) => pendingUpdate(r, r.attempts + 1, at, error));
  return settlement(rows, updates, [], { kind: 'none' });
}

/** Daily limit: back to pending until the next UTC day, attempts reset. */
function hold(rows: readonly OutboxRow[], error: string, ctx: SettleContext): SubmitSettlement {
  const until = nextUtcDay(ctx.now);
  const updates = rows.map((r) => pendingUpdate(r, 0, until, error));
  return settlement(rows, updates, [], { kind: 'hold', until });
}

function settlement(
  rows: readonly OutboxRow[],
  updates: OutboxUpdate[],
  events: EngineEvent[],
  guest: GuestAction,
): SubmitSettlement {
  return { updates, events, counts: countByFollow(rows, updates), guest };
}

/** Per-follow counts of the rows `updates` settle as accepted or ignored (follows with none left out). */
export function countByFollow(
  rows: readonly Pick<OutboxRow, 'id' | 'follow_id'>[],
  updates: readonly OutboxUpdate[],
): FollowCounts[] {
  const followOf = new Map(rows.map((r) => [r.id, r.follow_id]));
  const counts = new Map<RowId, FollowCounts>();
  for (const u of updates) {
    const follow_id = followOf.get(u.id);
    if (follow_id === undefined || (u.state !== 'accepted' && u.state !== 'ignored')) continue;
    const c = counts.get(follow_id) ?? { follow_id, mirrored: 0, ignored: 0 };
    if (u.state === 'accepted') c.mirrored++;
    else c.ignored++;
    counts.set(follow_id, c);
  }
  return [...counts.values()];
}
