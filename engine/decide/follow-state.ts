/**
 * The follow lifecycle: start → active ⇄ paused → stopped. Windows follow the state: start and
 * resume open one, pause closes it, stop closes it when one is open. A stopped follow is history;
 * starting again makes a new follow (switching hosts = stop the open one with `switched`, then start).
 * A guest's own pause, resume and stop are idempotent (`guestRequest`): asking for the state the
 * follow is already in succeeds and changes nothing, because phones retry.
 */
import { EngineError } from '../engine-api.js';
import type {
  FollowRow,
  FollowState,
  PauseReason,
  StopReason,
  WindowLead,
  WindowRow,
} from '../types.js';

/** What a guest (or the engine) asks of a follow. `lead`: the new window's (see windows.ts). */
export type FollowAction =
  /** `openAt`: a validated catch-up start; the first window opens then instead of now. */
  | { type: 'start'; openAt?: Date; lead?: WindowLead | null }
  | { type: 'pause'; reason: PauseReason }
  | { type: 'resume'; lead?: WindowLead | null }
  | { type: 'stop'; reason: StopReason };

/** What happens to the follow's windows. */
export type WindowOp =
  { op: 'open'; at: Date; lead?: WindowLead | null } | { op: 'close'; at: Date } | null;

/** The follow columns a transition sets (`started_at` only on start). */
export type FollowPatch = Pick<
  FollowRow,
  'state' | 'pause_reason' | 'stop_reason' | 'stopped_at'
> & {
  started_at?: Date;
};

/** The outcome of a transition. */
export type TransitionResult =
  | {
      ok: true;
      patch: FollowPatch;
      window: WindowOp;
      /** A window opened: poll the host now rather than at its (possibly idle) schedule. */
      pollHostNow: boolean;
    }
  | { ok: false; code: 'INVALID_STATE'; details: string };

const invalid = (details: string): TransitionResult => ({
  ok: false,
  code: 'INVALID_STATE',
  details,
});

/**
 * Applies `action` to a follow in `state` (null: the guest has no follow yet). Refused with
 * `INVALID_STATE`: start while a follow is active or paused, pause when not active, resume when
 * not paused, stop when there is nothing to stop.
 */
export function transition(
  state: FollowState | null,
  action: FollowAction,
  now: Date,
): TransitionResult {
  const open = {
    state: 'active',
    pause_reason: null,
    stop_reason: null,
    stopped_at: null,
  } as const;
  switch (action.type) {
    case 'start':
      if (state === 'active' || state === 'paused')
        return invalid(`cannot start: a follow is ${state}`);
      return {
        ok: true,
        patch: { ...open, started_at: now },
        window: { op: 'open', at: action.openAt ?? now, lead: action.lead ?? null },
        pollHostNow: true,
      };
    case 'pause':
      if (state !== 'active')
        return invalid(`cannot pause: the follow is ${state ?? 'not started'}`);
      return {
        ok: true,
        patch: {
          state: 'paused',
          pause_reason: action.reason,
          stop_reason: null,
          stopped_at: null,
        },
        window: { op: 'close', at: now },
        pollHostNow: false,
      };
    case 'resume':
      if (state !== 'paused')
        return invalid(`cannot resume: the follow is ${state ?? 'not started'}`);
      return {
        ok: true,
        patch: open,
        window: { op: 'open', at: now, lead: action.lead ?? null },
        pollHostNow: true,
      };
    case 'stop':
      if (state !== 'active' && state !== 'paused') {
        return invalid(`cannot stop: the follow is ${state ?? 'not started'}`);
      }
      return {
        ok: true,
        patch: {
          state: 'stopped',
          pause_reason: null,
          stop_reason: action.reason,
          stopped_at: now,
        },
        window: state === 'active' ? { op: 'close', at: now } : null,
        pollHostNow: false,
      };
  }
}

/** `transition`, throwing `EngineError('INVALID_STATE')` when refused. */
export function transitionOrThrow(
  state: FollowState | null,
  action: FollowAction,
  now: Date,
): Extract<TransitionResult, { ok: true }> {
  const result = transition(state, action, now);
  if (!result.ok) throw new EngineError('INVALID_STATE', result.details);
  return result;
}

/** A guest's pause, resume or stop as decided: a transition to write, or nothing to do. */
export type RequestOutcome =
  | { kind: 'apply'; result: Extract<TransitionResult, { ok: true }> }
  | { kind: 'unchanged'; state: FollowState };

/** The state each guest request leads to. */
const TARGET_STATE = { pause: 'paused', resume: 'active', stop: 'stopped' } as const;

/**
 * A guest's own request on their newest follow (`state`; null: they never had one). Repeating
 * the state the follow is in (pause while paused, resume while active, stop once stopped) is
 * `unchanged`; a transition `transition` allows is `apply`; anything else throws
 * `EngineError('INVALID_STATE')` (pause or resume after stop, anything with no follow).
 */
export function guestRequest(
  state: FollowState | null,
  action: Exclude<FollowAction, { type: 'start' }>,
  now: Date,
): RequestOutcome {
  if (state !== null && state === TARGET_STATE[action.type]) return { kind: 'unchanged', state };
  return { kind: 'apply', result: transitionOrThrow(state, action, now) };
}

/**
 * A follow's windows after `op`: open appends a window unless one is open already; close ends
 * the open one (never before it opened). Returns new objects; the input is left alone.
 */
export function applyWindowOp(windows: readonly WindowRow[], op: WindowOp): WindowRow[] {
  const copy = windows.map((w) => ({ ...w }));
  if (op === null) return copy;
  const current = copy.find((w) => w.closed_at === null);
  if (op.op === 'open') {
    if (current === undefined)
      copy.push({ opened_at: op.at, closed_at: null, lead: op.lead ?? null });
    return copy;
  }
  if (current !== undefined) {
    current.closed_at = new Date(Math.max(op.at.getTime(), current.opened_at.getTime()));
  }
  return copy;
}
