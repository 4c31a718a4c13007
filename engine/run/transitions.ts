/**
 * Writes a follow transition (`follow-state.ts`) to the store: the follow's columns, its window,
 * and the `state_changed` event. Shared by the API (start, pause, resume, stop), the poller
 * (auto-stop) and the submitter (revoked key, own-scrobble guard).
 */
import type { FollowRow } from '../../store/schema.js';
import { stateChangedEvent } from '../events.js';
import { transition, transitionOrThrow, type FollowAction } from '../decide/follow-state.js';
import type { Trx } from './context.js';
import type { GuestEvent } from '../repo/events.js';
import { applyWindowOpToDb, updateFollowIf } from '../repo/follows.js';

type FollowRef = Pick<FollowRow, 'id' | 'guest_id' | 'state'>;

/** What a transition written to the store led to. */
export interface AppliedTransition {
  /** The follow's state now. */
  state: FollowRow['state'];
  event: GuestEvent;
  /** A window opened: the host should be polled now. */
  pollHostNow: boolean;
}

/**
 * Applies `action` to `follow` if the transition is allowed and the follow is still in the state
 * it was read in; null when either is not the case (an engine-made change racing another).
 */
export async function applyTransition(
  trx: Trx,
  follow: FollowRef,
  action: FollowAction,
  now: Date,
): Promise<AppliedTransition | null> {
  const result = transition(follow.state, action, now);
  if (!result.ok) return null;
  const updated = await updateFollowIf(trx, follow.id, follow.state, result.patch);
  if (!updated) return null;
  await applyWindowOpToDb(trx, follow.id, result.window);
  return {
    state: result.patch.state,
    event: changedEvent(follow, result.patch),
    pollHostNow: result.pollHostNow,
  };
}

/**
 * Applies a guest's own request to their follow (locked by the caller), throwing
 * `EngineError('INVALID_STATE')` when it is not allowed in the follow's state.
 */
export async function applyRequestedTransition(
  trx: Trx,
  follow: FollowRef,
  action: FollowAction,
  now: Date,
): Promise<AppliedTransition> {
  const result = transitionOrThrow(follow.state, action, now);
  await updateFollowIf(trx, follow.id, follow.state, result.patch);
  await applyWindowOpToDb(trx, follow.id, result.window);
  return {
    state: result.patch.state,
    event: changedEvent(follow, result.patch),
    pollHostNow: result.pollHostNow,
  };
}

function changedEvent(
  follow: FollowRef,
  patch: Pick<FollowRow, 'state' | 'stop_reason' | 'pause_reason'>,
): GuestEvent {
  return {
    guestId: follow.guest_id,
    event: stateChangedEvent(follow.id, patch.state, {
      stop_reason: patch.stop_reason,
      pause_reason: patch.pause_reason,
    }),
  };
}
