/**
 * The Last.fm side of a claim, outside any transaction: reconcile possibly-sent rows against the
 * guest's own recent tracks, or run the own-scrobble guard and send the batch. Returns what to
 * write; `submit-settle.ts` writes it, only to rows still marked by this claim.
 */
import { LastfmError } from '../../lastfm/errors.js';
import type { Scrobble } from '../../lastfm/types.js';
import { backoffMs } from '../../lib/random.js';
import type { OutboxRow as StoreOutboxRow } from '../../store/schema.js';
import type { EngineContext } from './context.js';
import { detectOwnScrobbling, guestHistoryRange, ownScrobbleUpdates } from '../decide/guard.js';
import { pendingUpdate } from '../decide/outbox-updates.js';
import { reconcileSending, reconciledUpdates } from '../decide/reconcile.js';
import {
  applyScrobbleResult,
  scrobbleOutcomeFromError,
  toScrobbleInputs,
  type GuestAction,
  type ScrobbleOutcome,
} from '../decide/submit-logic.js';
import type { OutboxUpdate } from '../types.js';
import type { Claim, GuardFollow } from './submit-claim.js';
import { acceptedBetween } from '../repo/outbox.js';

/** What a claim's calls decided, to be written in the settle transaction. */
export interface ClaimResult {
  claim: Claim;
  /** Updates of the claim's rows (written only where `sending_since` is still the claim's). */
  updates: OutboxUpdate[];
  /** Follows the guard looked at. */
  guardChecked: number[];
  /** Follows to pause with `already_scrobbling`. */
  pause: GuardFollow[];
  guest: GuestAction;
}

const none: GuestAction = { kind: 'none' };
const revoked: GuestAction = { kind: 'stop_follows', reason: 'auth_revoked' };

/** Runs one claim's Last.fm calls. */
export async function executeClaim(ctx: EngineContext, claim: Claim): Promise<ClaimResult> {
  const base: ClaimResult = { claim, updates: [], guardChecked: [], pause: [], guest: none };
  return claim.kind === 'reconcile' ? reconcile(ctx, claim, base) : send(ctx, claim, base);
}

/**
 * The guest's scrobbles over [from, to] (UNIX seconds), read as the guest (signed with their
 * session key) so a guest who hides their listening can still be read; `sessionKey` null reads
 * unsigned, which works for a public profile only.
 */
async function guestTracks(
  ctx: EngineContext,
  claim: Claim,
  range: { from: number; to: number },
  sessionKey: string | null,
): Promise<Scrobble[]> {
  const query = { user: claim.account.username, ...range, allPages: true };
  const recent = await ctx.lastfm.getRecentTracks(
    sessionKey === null ? query : { ...query, sessionKey },
  );
  return recent.scrobbles;
}

/** The guest's session key in clear, or null when it is not valid or cannot be decrypted. */
function usableKey(ctx: EngineContext, account: Claim['account']): string | null {
  if (account.key_state !== 'valid' || account.session_key_enc === null) return null;
  try {
    return ctx.decryptSessionKey(account.id, account.session_key_enc);
  } catch {
    return null;
  }
}

/**
 * Rows found `sending` past their lease: on the profile → accepted, else pending again. Read
 * with the guest's key while it is valid; without one (revoked, unreadable) a public profile is
 * still read unsigned, and a private one waits for the guest to sign in again.
 */
async function reconcile(
  ctx: EngineContext,
  claim: Claim,
  base: ClaimResult,
): Promise<ClaimResult> {
  const range = guestHistoryRange(claim.rows, 0);
  if (range === null) return base;
  let tracks: Scrobble[];
  try {
    tracks = await guestTracks(ctx, claim, range, usableKey(ctx, claim.account));
  } catch (err) {
    if (!(err instanceof LastfmError)) throw err;
    // Cannot look: the rows stay `sending` under this claim's lease and are checked when it ends.
    ctx.logger.warn({ guestId: claim.account.id, err: err.message }, 'reconcile failed');
    // Error 9: the key is gone, as on a scrobble; the next look, after the lease, reads unsigned.
    if (err.kind === 'auth_revoked') return { ...base, guest: revoked };
    return base;
  }
  const { updates } = reconciledUpdates(reconcileSending(claim.rows, tracks), ctx.now());
  return { ...base, updates };
}

/** Rows back to pending after `delayMs`, attempts unchanged: the batch could not be tried. */
function notTried(rows: readonly StoreOutboxRow[], at: Date, error: string): OutboxUpdate[] {
  return rows.map((r) => pendingUpdate(r, r.attempts, at, error));
}

interface GuardOutcome {
  matched: StoreOutboxRow[];
  checked: number[];
  pause: GuardFollow[];
  /** The guest's tracks could not be read: send nothing now. */
  failure: LastfmError | null;
}

/**
 * The own-scrobble guard over the batch rows of follows whose check is due. The guest's tracks
 * are read with their session key, so a private profile is checked like any other.
 */
async function guard(ctx: EngineContext, claim: Claim, sessionKey: string): Promise<GuardOutcome> {
  const due = new Set(claim.guard.filter((f) => f.due).map((f) => f.id));
  const out: GuardOutcome = { matched: [], checked: [...due], pause: [], failure: null };
  const candidates = claim.rows.filter((r) => due.has(r.follow_id));
  const range = guestHistoryRange(candidates, ctx.cfg.ownScrobbleToleranceSec);
  if (range === null) return out;
  let tracks: Scrobble[];
  try {
    tracks = await guestTracks(ctx, claim, range, sessionKey);
  } catch (err) {
    if (!(err instanceof LastfmError)) throw err;
    ctx.logger.warn({ guestId: claim.account.id, err: err.message }, 'own-scrobble check failed');
    return { ...out, checked: [], failure: err };
  }
  const sent = await acceptedBetween(ctx.db.kysely, claim.account.id, range.from, range.to);
  const found = detectOwnScrobbling(tracks, candidates, sent, ctx.cfg);
  if (found.verdict === 'clear') return out;
  const hit = new Set(found.matched.map((r) => r.follow_id));
  const pause = claim.guard.filter((f) => hit.has(f.id) && f.state === 'active');
  return { ...out, matched: found.matched, pause };
}

/**
 * The guard could not read the guest's tracks, so nothing is sent. Error 9 means the key is gone,
 * settled as on a scrobble (rows pending, follows stopped); anything else is tried again later.
 */
function guardFailed(
  ctx: EngineContext,
  claim: Claim,
  base: ClaimResult,
  failure: LastfmError,
): ClaimResult {
  if (failure.kind === 'auth_revoked') {
    const settleCtx = { now: ctx.now(), cfg: ctx.cfg, random: ctx.random };
    const settled = applyScrobbleResult(claim.rows, scrobbleOutcomeFromError(failure), settleCtx);
    return { ...base, updates: settled.updates, guest: settled.guest };
  }
  const tried = Math.max(0, ...claim.rows.map((r) => r.attempts));
  const { baseMs, capMs } = ctx.cfg.submitBackoff;
  const at = new Date(ctx.clock.now() + backoffMs(tried, baseMs, capMs, ctx.random));
  return { ...base, updates: notTried(claim.rows, at, 'own-scrobble check failed') };
}

/** Guard, then `track.scrobble` with the rows the guard let through, then the settlement. */
async function send(ctx: EngineContext, claim: Claim, base: ClaimResult): Promise<ClaimResult> {
  const { account } = claim;
  let sessionKey: string;
  try {
    sessionKey = ctx.decryptSessionKey(account.id, account.session_key_enc ?? Buffer.alloc(0));
  } catch {
    // A key that cannot be read is as good as revoked: the guest signs in again.
    ctx.logger.error({ guestId: account.id }, 'session key cannot be decrypted');
    const updates = notTried(claim.rows, ctx.now(), 'session key cannot be decrypted');
    return { ...base, updates, guest: revoked };
  }
  const g = await guard(ctx, claim, sessionKey);
  if (g.failure) return guardFailed(ctx, claim, base, g.failure);
  const matched = new Set(g.matched.map((r) => r.id));
  const rows = claim.rows.filter((r) => !matched.has(r.id));
  const result: ClaimResult = {
    ...base,
    updates: ownScrobbleUpdates(g.matched, ctx.now()),
    guardChecked: g.checked,
    pause: g.pause,
  };
  if (rows.length === 0) return result;
  const outcome = await callScrobble(ctx, sessionKey, rows);
  ctx.crash('submit:after-call');
  const settled = applyScrobbleResult(rows, outcome, {
    now: ctx.now(),
    cfg: ctx.cfg,
    random: ctx.random,
  });
  return { ...result, updates: [...result.updates, ...settled.updates], guest: settled.guest };
}

/** `track.scrobble`, its failure as an outcome; a failure that is not Last.fm's has an unknown outcome. */
async function callScrobble(
  ctx: EngineContext,
  sessionKey: string,
  rows: readonly StoreOutboxRow[],
): Promise<ScrobbleOutcome> {
  try {
    const res = await ctx.lastfm.scrobble(sessionKey, toScrobbleInputs(rows));
    return { kind: 'response', items: res.items };
  } catch (err) {
    if (err instanceof LastfmError) return scrobbleOutcomeFromError(err);
    const message = err instanceof Error ? err.message : String(err);
    return scrobbleOutcomeFromError({ kind: 'retryable', code: 0, httpStatus: null, message });
  }
}
