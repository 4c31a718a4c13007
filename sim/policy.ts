/**
 * What a simulation runs: a mirroring policy (Lasso's engine, or the original design's per-guest
 * polling) behind one interface, so the same rig, timeline and oracle measure both.
 */
import type { DuePolicy } from './driver.js';
import type { SimFollow } from './oracle.js';

/** A guest as the simulation knows it: its account id, Last.fm name and session key. */
export interface SimGuest {
  id: number;
  name: string;
  sessionKey: string;
}

/** Options of a start. */
export interface SimStartOptions {
  mirrorNowPlaying: boolean;
  /** Catch-up: open the first window here (ms). */
  catchUpFrom?: number;
}

/** A follow as the policy reports it after a run. */
export interface PolicyFollow extends SimFollow {
  state: string;
  stopReason: string | null;
}

/** A mirroring policy under test. */
export interface FollowPolicy extends DuePolicy {
  start(guest: SimGuest, host: string, opts: SimStartOptions): Promise<void>;
  pause(guest: SimGuest): Promise<void>;
  resume(guest: SimGuest): Promise<void>;
  stop(guest: SimGuest): Promise<void>;
  /** Every follow of the guest with its windows, oldest first. */
  follows(guest: SimGuest): Promise<PolicyFollow[]>;
}

/** A guest action the rig can schedule. */
export type GuestAction =
  | { kind: 'start'; host: string; mirrorNowPlaying: boolean; catchUpFrom?: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'stop' };

/** What became of one action: when it was asked for and answered, and how. */
export interface ActionRecord {
  guest: string;
  action: GuestAction;
  launchedAt: number;
  settledAt: number;
  ok: boolean;
  error: string | null;
}

/** Runs one action on a policy. */
export function performAction(
  policy: FollowPolicy,
  guest: SimGuest,
  action: GuestAction,
): Promise<void> {
  switch (action.kind) {
    case 'start': {
      const opts: SimStartOptions = { mirrorNowPlaying: action.mirrorNowPlaying };
      if (action.catchUpFrom !== undefined) opts.catchUpFrom = action.catchUpFrom;
      return policy.start(guest, action.host, opts);
    }
    case 'pause':
      return policy.pause(guest);
    case 'resume':
      return policy.resume(guest);
    case 'stop':
      return policy.stop(guest);
  }
}

/** Whether an action opens a window (start, resume) or closes one (pause, stop). */
export function opensWindow(action: GuestAction): boolean {
  return action.kind === 'start' || action.kind === 'resume';
}
