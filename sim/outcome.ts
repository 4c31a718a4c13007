/**
 * What a run did to each guest, judged by the oracle: the guest's windows as the policy reports
 * them (checked against the actions the rig asked for, when it asked), the library the emulator
 * holds, the expected scrobbles, and the delay of each mirrored scrobble.
 */
import type { HostScrobble } from './listening.js';
import {
  compareLibrary,
  expectation,
  inSimWindow,
  scrobbleKey,
  type Comparison,
  type LibraryRow,
  type SimWindow,
} from './oracle.js';
import {
  opensWindow,
  type ActionRecord,
  type FollowPolicy,
  type PolicyFollow,
  type SimGuest,
} from './policy.js';
import type { SimRig } from './rig.js';

/** One guest after a run. */
export interface GuestOutcome {
  guest: string;
  follows: PolicyFollow[];
  expected: HostScrobble[];
  library: LibraryRow[];
  comparison: Comparison;
  /** Host scrobble appeared at Last.fm → the guest's copy recorded (ms), for live mirrors. */
  delaysMs: number[];
  /** The same delays with the scrobble each belongs to (`scrobbleKey`). */
  delays: Array<{ key: string; ms: number }>;
  /** Mirrored scrobbles the ledger saw no acceptance for (none when the ledger is on). */
  unstamped: number;
  /** Window boundaries no action explains, and actions that left no boundary. */
  windowProblems: string[];
}

/** Judges one guest. */
export async function guestOutcome(
  rig: SimRig,
  policy: FollowPolicy,
  guest: SimGuest,
): Promise<GuestOutcome> {
  const actions = rig.actions.filter((a) => a.guest === guest.name);
  const follows = markCatchUps(await policy.follows(guest), actions);
  const { required: expected, optional } = expectation(follows, rig.hostScrobbles, rig.hostTruth());
  const library = rig.emu.scrobbles(guest.name);
  const comparison = compareLibrary(expected, library, optional);
  const inLibrary = new Set(library.map(scrobbleKey));
  const accepted = rig.wire.ledger?.acceptedAt(guest.name);
  const delays: Array<{ key: string; ms: number }> = [];
  let unstamped = 0;
  for (const f of follows) {
    const appeared = rig.appearedAt.get(f.host);
    for (const s of rig.hostScrobbles.get(f.host) ?? []) {
      const w = f.windows.find((win) => inSimWindow(s.timestamp, win));
      const key = scrobbleKey(s);
      const at = appeared?.get(key);
      // Catch-up and history: the scrobble was at Last.fm before the window opened.
      if (!w || at === undefined || at < w.openedAt || !inLibrary.has(key)) continue;
      const got = accepted?.get(key);
      if (got === undefined) unstamped += 1;
      else delays.push({ key, ms: got - at });
    }
  }
  const windowProblems = checkWindows(follows, actions);
  return {
    guest: guest.name,
    follows,
    expected,
    library,
    comparison,
    delaysMs: delays.map((d) => d.ms),
    delays,
    unstamped,
    windowProblems,
  };
}

/** Marks each follow's first window that opened where a catch-up start asked (it gets no lead). */
function markCatchUps(
  follows: readonly PolicyFollow[],
  actions: readonly ActionRecord[],
): PolicyFollow[] {
  const asked = new Set(
    actions.flatMap((a) =>
      a.action.kind === 'start' && a.action.catchUpFrom !== undefined ? [a.action.catchUpFrom] : [],
    ),
  );
  return follows.map((f) => ({
    ...f,
    windows: f.windows.map((w, i) =>
      i === 0 && asked.has(w.openedAt) ? { ...w, catchUp: true } : w,
    ),
  }));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** True when `t` lies within the action's request (a window opens when the request is handled). */
function during(a: ActionRecord, t: number): boolean {
  if (a.action.kind === 'start' && a.action.catchUpFrom !== undefined)
    return t === a.action.catchUpFrom;
  return a.launchedAt <= t && t <= a.settledAt;
}

/**
 * Every window boundary must come from an action of the right kind, at the time it was asked for
 * (a catch-up opens exactly where asked); every successful action must have left its boundary.
 * A failed action may or may not have taken effect, so it explains a boundary but need not.
 * The last close of a follow may be the engine's own stop, which is reported with its reason.
 */
export function checkWindows(
  follows: readonly PolicyFollow[],
  actions: readonly ActionRecord[],
): string[] {
  const problems: string[] = [];
  const used = new Set<ActionRecord>();
  const explain = (t: number, open: boolean): boolean => {
    const a = actions.find((x) => !used.has(x) && opensWindow(x.action) === open && during(x, t));
    if (a) used.add(a);
    return a !== undefined;
  };
  const switchedBy = (t: number): boolean =>
    actions.some((x) => x.action.kind === 'start' && x.launchedAt <= t && t <= x.settledAt);
  for (const f of follows) {
    f.windows.forEach((w: SimWindow, i) => {
      if (!explain(w.openedAt, true))
        problems.push(`${f.host}: window opened at ${iso(w.openedAt)} by no action`);
      if (w.closedAt === null || explain(w.closedAt, false)) return;
      const last = i === f.windows.length - 1;
      // A start while a follow is open stops it with `switched` (a stop that found no follow
      // yet, racing the start before it, leaves one open).
      if (last && f.stopReason === 'switched' && switchedBy(w.closedAt)) return;
      const why = last && f.stopReason ? ` (engine stop: ${f.stopReason})` : '';
      problems.push(`${f.host}: window closed at ${iso(w.closedAt)} by no action${why}`);
    });
  }
  // Asking for the state the follow is already in (a phone retrying; stopping a paused follow)
  // moves nothing: a pause or stop when no window was open, a resume when one was. A catch-up
  // window (opening in the past) came to be at some point during its request: a request made
  // meanwhile may have found it or not.
  const request = (w: SimWindow): ActionRecord | undefined =>
    actions.find((a) => a.action.kind === 'start' && a.action.catchUpFrom === w.openedAt);
  const openAt = (t: number, surely: boolean): boolean =>
    follows.some((f) =>
      f.windows.some((w) => {
        const r = request(w);
        const from = r === undefined ? w.openedAt : surely ? r.settledAt : r.launchedAt;
        return from <= t && (w.closedAt === null || w.closedAt > t);
      }),
    );
  for (const a of actions) {
    if (!a.ok || used.has(a)) continue;
    const kind = a.action.kind;
    const noop = kind === 'resume' ? openAt(a.launchedAt, false) : !openAt(a.launchedAt, true);
    if (kind !== 'start' && noop) continue;
    problems.push(`${kind} at ${iso(a.launchedAt)} succeeded but moved no window`);
  }
  return problems;
}
