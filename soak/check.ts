/**
 * The verdict on one guest at the end of a run, from the emulator (what the guest's library and
 * Last.fm's accepted submissions hold) against the truth (what the host really scrobbled) and
 * the guest's windows. Pure.
 *
 * The windows are the ones Lasso recorded (its data export), but only after they are held
 * against the guest's own requests: each opening and closing must fall inside the time span of
 * a request of the guest that asked for it (or, for a catch-up, at the moment the guest named),
 * and each request that changed the state must have made one. So the check rests on the guest's
 * times while using Lasso's exact millisecond, which the guest can only bracket. The track
 * playing when a window opened (the lead) comes from the truth, not from Lasso.
 */
import type { ActionRecord, Attempt } from './browser.js';
import type { ScrobbleRow, SubmissionRow } from './emulator.js';
import { leadAt, postedOf, scrobbleKey, type HostTruth, type PostedScrobble } from './truth.js';

/** A window as Lasso recorded it (epoch ms; `closedAt` null while open). */
export interface ServerWindow {
  openedAt: number;
  closedAt: number | null;
}

/** Everything known about one guest at the end. */
export interface GuestEvidence {
  guest: string;
  windows: ServerWindow[];
  actions: ActionRecord[];
  library: ScrobbleRow[];
  submissions: SubmissionRow[];
}

/** How far a window edge may sit outside the span of the request that made it (clock skew). */
const EDGE_SLACK_MS = 5;

/** A scrobble the guest should have, and why. */
export interface Expectation {
  row: PostedScrobble;
  why: 'window' | 'lead';
  /**
   * Not counted missing when absent: an `ambiguous` lead (one of a group may come), or a lead
   * Lasso `may` take or not (it depends on what it knew of the track's length).
   */
  optional: false | 'ambiguous' | 'may';
  /** When it could first be mirrored (epoch ms). */
  availableAt: number;
  poison: boolean;
  /** An ambiguous lead's window (its index): of one window's candidates, one may come. */
  group?: number;
}

/** The verdict on one guest. */
export interface GuestVerdict {
  guest: string;
  windows: number;
  windowProblems: string[];
  /** Required scrobbles, and how many of them the library holds. */
  expected: number;
  mirrored: number;
  missing: ScrobbleRow[];
  outside: ScrobbleRow[];
  /** Accepted by Last.fm more than once (the library keeps one, the submissions show each). */
  duplicates: number;
  albumMismatch: number;
  leads: { required: number; ambiguous: number; may: number; optionalTaken: number };
  poison: { expected: number; exact: number; altered: number; absent: number };
  /** For the stall figures: each required copy, when it could go and when it went. */
  copies: { availableAt: number; mirroredAt: number | null; track: string; timestamp: number }[];
  /** When Last.fm accepted each submission for the guest (epoch ms). */
  acceptedAt: number[];
}

const within = (t: number, a: Attempt): boolean =>
  t >= a.fromMs - EDGE_SLACK_MS && t <= a.toMs + EDGE_SLACK_MS;

/** A window edge and the request it came from. */
interface Edge {
  at: number;
  open: boolean;
  requestedAt: number | null;
  catchUp: boolean;
}

/** Holds Lasso's windows against the guest's requests; returns the problems and the edges. */
export function matchWindows(
  windows: readonly ServerWindow[],
  actions: readonly ActionRecord[],
): { problems: string[]; opens: Edge[] } {
  const problems: string[] = [];
  const iso = (t: number): string => new Date(t).toISOString();
  const used = new Map<ActionRecord, number>();
  const find = (at: number, open: boolean): Edge => {
    for (const a of actions) {
      if (open && a.kind === 'start' && a.catchUpSince !== undefined) {
        const first = a.attempts[0];
        if (at >= a.catchUpSince && first && at <= first.fromMs) {
          used.set(a, (used.get(a) ?? 0) + 1);
          return { at, open, requestedAt: first.fromMs, catchUp: true };
        }
      }
      const kinds = open ? ['start', 'resume'] : ['pause', 'stop', 'start'];
      if (!kinds.includes(a.kind)) continue;
      const attempt = a.attempts.find((x) => within(at, x));
      if (attempt) {
        used.set(a, (used.get(a) ?? 0) + 1);
        return { at, open, requestedAt: attempt.fromMs, catchUp: false };
      }
    }
    problems.push(
      `window ${open ? 'opened' : 'closed'} at ${iso(at)}: no request of the guest then`,
    );
    return { at, open, requestedAt: null, catchUp: false };
  };
  const opens = windows.map((w) => find(w.openedAt, true));
  for (const w of windows) if (w.closedAt !== null) find(w.closedAt, false);
  for (const a of actions) {
    const n = used.get(a) ?? 0;
    // A start may close the window of a follow it replaced: one opening and one closing.
    const max = a.kind === 'start' ? 2 : 1;
    if (a.outcome === 'ok' && n === 0) {
      problems.push(`${a.kind} at ${iso(a.attempts[0]?.fromMs ?? 0)} changed no window`);
    }
    if (n > max) problems.push(`${a.kind} at ${iso(a.attempts[0]?.fromMs ?? 0)} made ${n} edges`);
  }
  return { problems, opens };
}

/** What the guest should have: the host scrobbles inside its windows, then each window's lead. */
export function expectations(
  truth: HostTruth,
  windows: readonly ServerWindow[],
  opens: readonly Edge[],
): Map<string, Expectation> {
  const out = new Map<string, Expectation>();
  const poisonOf = (p: PostedScrobble): boolean => truth.plays[p.play]?.song.poison !== undefined;
  for (const p of truth.posted) {
    const ms = p.timestamp * 1000;
    const i = windows.findIndex(
      (w) => ms >= w.openedAt && (w.closedAt === null || ms < w.closedAt),
    );
    if (i < 0) continue;
    // Owed from when it was scrobbled, or (a catch-up reaching back) when the guest asked.
    const asked = opens[i]?.requestedAt ?? 0;
    const availableAt = Math.max(p.toMs, asked);
    out.set(scrobbleKey(p), {
      row: p,
      why: 'window',
      optional: false,
      availableAt,
      poison: poisonOf(p),
    });
  }
  const add = (
    p: PostedScrobble | undefined,
    optional: Expectation['optional'],
    at: number,
    group?: number,
  ) => {
    if (!p || out.get(scrobbleKey(p))?.optional === false) return;
    const availableAt = Math.max(p.toMs, at);
    const x: Expectation = { row: p, why: 'lead', optional, availableAt, poison: poisonOf(p) };
    out.set(scrobbleKey(p), group === undefined ? x : { ...x, group });
  };
  for (const [i, edge] of opens.entries()) {
    if (edge.catchUp || edge.requestedAt === null) continue;
    const lead = leadAt(truth, edge.requestedAt, edge.at);
    if (lead.kind === 'ambiguous') {
      for (const play of lead.plays) add(postedOf(truth, play), 'ambiguous', edge.at, i);
    } else if (lead.kind === 'play' && lead.takes !== 'never') {
      // A lead Lasso never takes is owed by nothing: in the library, it is outside.
      const optional = lead.takes === 'must' ? false : 'may';
      add(postedOf(truth, lead.play), optional, edge.at, optional === false ? undefined : i);
    }
  }
  return out;
}

/** Names as they may come back after Lasso cleaned a poison name: no NUL, maybe cut short. */
function looselySame(sent: string, got: string): boolean {
  const clean = (s: string): string =>
    s
      .normalize('NFC')
      .replaceAll('\u0000', '')
      .replaceAll('\uFFFD', '')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
  const a = clean(sent);
  const b = clean(got);
  return a === b || (b.length >= 10 && a.startsWith(b)) || (a.length >= 10 && b.startsWith(a));
}

/**
 * A poison scrobble's fate: sent as is, sent under a cleaned name, or not sent; its copies are
 * claimed (never outside), and two copies of the one play are a duplicate.
 */
function judgePoison(
  x: Expectation,
  library: readonly ScrobbleRow[],
  claimed: Set<string>,
  v: GuestVerdict,
): void {
  const key = scrobbleKey(x.row);
  const got = library.some((r) => scrobbleKey(r) === key);
  const altered = library.filter(
    (r) =>
      r.timestamp === x.row.timestamp &&
      scrobbleKey(r) !== key &&
      looselySame(x.row.artist, r.artist) &&
      looselySame(x.row.track, r.track),
  );
  for (const r of altered) claimed.add(scrobbleKey(r));
  v.poison.expected += 1;
  if (got) v.poison.exact += 1;
  else if (altered.length > 0) v.poison.altered += 1;
  else v.poison.absent += 1;
  v.duplicates += Math.max(0, (got ? 1 : 0) + altered.length - 1);
}

/** One lead per window: of an ambiguous window's candidates in the library, all but the first. */
function extraLeads(want: Map<string, Expectation>, inLibrary: Map<string, ScrobbleRow>): string[] {
  const groups = new Map<number, string[]>();
  for (const [key, x] of want) {
    if (x.group !== undefined && x.optional !== false && inLibrary.has(key)) {
      groups.set(x.group, [...(groups.get(x.group) ?? []), key]);
    }
  }
  return [...groups.values()].flatMap((keys) => keys.slice(1));
}

/** The verdict on one guest. */
export function judgeGuest(truth: HostTruth, e: GuestEvidence): GuestVerdict {
  const { problems, opens } = matchWindows(e.windows, e.actions);
  const want = expectations(truth, e.windows, opens);
  const inLibrary = new Map(e.library.map((r) => [scrobbleKey(r), r]));
  const accepted = new Map<string, number[]>();
  for (const s of e.submissions) {
    const k = scrobbleKey(s);
    accepted.set(k, [...(accepted.get(k) ?? []), s.at]);
  }
  const v: GuestVerdict = {
    guest: e.guest,
    windows: e.windows.length,
    windowProblems: problems,
    expected: 0,
    mirrored: 0,
    missing: [],
    outside: [],
    duplicates: 0,
    albumMismatch: 0,
    leads: { required: 0, ambiguous: 0, may: 0, optionalTaken: 0 },
    poison: { expected: 0, exact: 0, altered: 0, absent: 0 },
    copies: [],
    acceptedAt: e.submissions.map((s) => s.at),
  };
  const claimed = new Set<string>();
  for (const [key, x] of want) {
    const got = inLibrary.get(key);
    if (got) claimed.add(key);
    if (x.poison) {
      judgePoison(x, e.library, claimed, v);
      continue;
    }
    if (x.optional !== false) {
      if (x.optional === 'ambiguous') v.leads.ambiguous += 1;
      else v.leads.may += 1;
      if (got) v.leads.optionalTaken += 1;
      continue;
    }
    v.expected += 1;
    if (x.why === 'lead') v.leads.required += 1;
    if (got) {
      v.mirrored += 1;
      if (got.album !== x.row.album) v.albumMismatch += 1;
    } else {
      v.missing.push(x.row);
    }
    v.copies.push({
      availableAt: x.availableAt,
      mirroredAt: accepted.get(key)?.[0] ?? null,
      track: `${x.row.artist} – ${x.row.track}`,
      timestamp: x.row.timestamp,
    });
  }
  for (const key of extraLeads(want, inLibrary)) claimed.delete(key);
  v.outside = e.library.filter((r) => !claimed.has(scrobbleKey(r)));
  for (const times of accepted.values()) v.duplicates += times.length - 1;
  return v;
}
