/**
 * The report of `npm run soak`: per guest and in total, duplicates, missing and outside-window
 * scrobbles, the poison tracks' fate, the Last.fm calls spent, the stall after each kill, and
 * whether every browser session survived; as one JSON object or as text. `passed` is false on
 * any duplicate, missing or outside-window scrobble, lost session or failed check.
 */
import type { ActionRecord } from './browser.js';
import { busiestSpan } from './calls.js';
import type { GuestVerdict } from './check.js';
import type { Judged } from './drain.js';
import type { CallLogEntry } from './emulator.js';
import type { GuestScript } from './guests.js';
import { delays, slowest, stallAfter, summary, type GuestFlow } from './stall.js';

/** The goal for the stall after a kill. */
export const STALL_GOAL_MS = 30_000;

/** One kill of the server: when, and when it answered again. */
export interface KillRecord {
  killedAt: number;
  upAt: number;
  /** What the kill waited for (`killAim`), and whether it came within the wait. */
  aim: KillAim;
  hit: boolean;
}

/** A kill waits for a host poll or a scrobble submission on its way to Last.fm, or for nothing. */
export type KillAim = 'poll' | 'submission' | 'anytime';

/** Kill `i` (from 0) aims at a submission, a poll, then any moment, in turn. */
export function killAim(i: number): KillAim {
  return (['submission', 'poll', 'anytime'] as const)[i % 3]!;
}

/** True when `chunk` (request bytes on their way to Last.fm) is what `aim` waits for. */
export function aimedAt(chunk: string, aim: KillAim, host: string): boolean {
  if (aim === 'submission') return chunk.includes('method=track.scrobble');
  if (aim === 'anytime' || !chunk.startsWith('GET ')) return aim === 'anytime';
  const query = new URLSearchParams(chunk.split(' ')[1]?.split('?')[1] ?? '');
  // A poll reads from a moment on; a guest's start or resume reads the newest track only.
  return (
    query.get('method') === 'user.getRecentTracks' &&
    query.get('user') === host &&
    query.has('from')
  );
}

/** Totals over guests. */
export interface Totals {
  expected: number;
  mirrored: number;
  duplicates: number;
  missing: number;
  outside: number;
}

/** What the calls cost. */
export interface CallFigures {
  total: number;
  byMethod: Record<string, number>;
  faulted: number;
  perMirrored: number | null;
  maxIn5s: number;
  maxIn60s: number;
}

/** The report of one `npm run soak`. */
export interface SingleReport {
  suite: 'soak';
  passed: boolean;
  failures: string[];
  options: {
    store: string;
    kills: number;
    faults: number;
    minutes: number;
    seed: number;
    poison: boolean;
  };
  durationMs: number;
  guests: (Omit<GuestVerdict, 'copies' | 'acceptedAt' | 'missing' | 'outside'> & {
    role: string;
    session: 'kept' | 'lost';
    missing: number;
    outside: number;
    missingRows: GuestVerdict['missing'];
    outsideRows: GuestVerdict['outside'];
  })[];
  total: Totals;
  poison: GuestVerdict['poison'];
  drainComplete: boolean;
  calls: CallFigures;
  kills: (KillRecord & {
    downMs: number;
    stallMs: number | null;
    allStallMs: number | null;
    waitingFrom: number | null;
  })[];
  stall: {
    medianMs: number | null;
    maxMs: number | null;
    /** The worst, over kills, of the time until every waiting guest had resumed. */
    allMaxMs: number | null;
    goalMs: number;
    unresolved: number;
  };
  sessions: { kept: number; lost: string[] };
  /** From when a copy could go until Last.fm accepted it, over the whole run. */
  delay: ReturnType<typeof delays>;
  /** The copies that waited longest. */
  slowest: ReturnType<typeof slowest>;
}

/** Sums the verdicts. */
export function totals(verdicts: readonly GuestVerdict[]): Totals {
  const sum = (f: (v: GuestVerdict) => number): number => verdicts.reduce((n, v) => n + f(v), 0);
  return {
    expected: sum((v) => v.expected),
    mirrored: sum((v) => v.mirrored),
    duplicates: sum((v) => v.duplicates),
    missing: sum((v) => v.missing.length),
    outside: sum((v) => v.outside.length),
  };
}

/** The call figures of a log. */
export function callFigures(calls: readonly CallLogEntry[], mirrored: number): CallFigures {
  const byMethod: Record<string, number> = {};
  for (const c of calls) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
  return {
    total: calls.length,
    byMethod,
    faulted: calls.filter((c) => c.fault !== undefined).length,
    perMirrored: mirrored > 0 ? calls.length / mirrored : null,
    maxIn5s: busiestSpan(calls, 5000).count,
    maxIn60s: busiestSpan(calls, 60_000).count,
  };
}

/** A few scrobbles in words: `(Björk – Jóga 18:04:05Z, …)`. */
function rows(list: readonly { artist: string; track: string; timestamp: number }[]): string {
  const shown = list.slice(0, 3).map((r) => {
    const name = `${r.artist} – ${r.track}`.replaceAll('\u0000', '\\0');
    const at = new Date(r.timestamp * 1000).toISOString().slice(11, 19);
    return `${name.length > 60 ? `${name.slice(0, 57)}…` : name} ${at}Z`;
  });
  return `(${shown.join(', ')}${list.length > 3 ? ', …' : ''})`;
}

/** Every failure the verdicts show, in words. */
export function verdictFailures(verdicts: readonly GuestVerdict[]): string[] {
  const out: string[] = [];
  for (const v of verdicts) {
    if (v.duplicates > 0) out.push(`${v.guest}: ${v.duplicates} duplicate(s)`);
    if (v.missing.length > 0)
      out.push(`${v.guest}: ${v.missing.length} missing ${rows(v.missing)}`);
    if (v.outside.length > 0) {
      out.push(`${v.guest}: ${v.outside.length} outside its windows ${rows(v.outside)}`);
    }
    if (v.albumMismatch > 0) out.push(`${v.guest}: ${v.albumMismatch} with another album`);
    for (const p of v.windowProblems) out.push(`${v.guest}: ${p}`);
  }
  return out;
}

/** Failed requests (given up, or refused as signed out) in words. */
export function actionFailures(actions: readonly ActionRecord[][]): string[] {
  return actions
    .flat()
    .filter((a) => a.outcome !== 'ok')
    .map(
      (a) =>
        `${a.guest}: ${a.kind} ${a.outcome === 'session' ? 'signed out' : `failed (${a.detail ?? ''})`}`,
    );
}

/** The guests' flows for the stall figures. */
export function flows(judged: Judged): GuestFlow[] {
  return judged.verdicts.map((v) => ({
    guest: v.guest,
    copies: v.copies,
    acceptedAt: v.acceptedAt,
  }));
}

/** Builds the report of a single-instance run. */
export function singleReport(r: {
  options: {
    store: string;
    kills: number;
    faults: number;
    minutes: number;
    seed: number;
    poison: boolean;
  };
  scripts: readonly GuestScript[];
  judged: Judged;
  actions: readonly ActionRecord[][];
  kills: readonly KillRecord[];
  lost: readonly string[];
  calls: readonly CallLogEntry[];
  startedAt: number;
  endedAt: number;
}): SingleReport {
  const { verdicts } = r.judged;
  const total = totals(verdicts);
  const guestFlows = flows(r.judged);
  const kills = r.kills.map((k) => {
    const s = stallAfter(k.upAt, guestFlows);
    return {
      ...k,
      downMs: k.upAt - k.killedAt,
      stallMs: s?.stallMs ?? null,
      allStallMs: s?.allStallMs ?? null,
      waitingFrom: s?.waitingFrom ?? null,
    };
  });
  const stalls = kills.flatMap((k) => (k.stallMs === null ? [] : [k.stallMs]));
  const stallSummary = summary(stalls);
  const failures = [
    ...verdictFailures(verdicts),
    ...actionFailures(r.actions),
    ...r.lost.map((g) => `${g}: browser session lost`),
  ];
  if (!r.judged.complete) failures.push('Lasso had not finished mirroring by the deadline');
  const poison = { expected: 0, exact: 0, altered: 0, absent: 0 };
  for (const v of verdicts) {
    for (const k of Object.keys(poison) as (keyof typeof poison)[]) poison[k] += v.poison[k];
  }
  return {
    suite: 'soak',
    passed: failures.length === 0,
    failures,
    options: r.options,
    durationMs: r.endedAt - r.startedAt,
    guests: verdicts.map(({ copies: _copies, acceptedAt: _at, missing, outside, ...v }, i) => ({
      ...v,
      role: r.scripts[i]?.role ?? '',
      session: r.lost.includes(v.guest) ? ('lost' as const) : ('kept' as const),
      missing: missing.length,
      outside: outside.length,
      missingRows: missing,
      outsideRows: outside,
    })),
    total,
    poison,
    drainComplete: r.judged.complete,
    calls: callFigures(r.calls, total.mirrored),
    kills,
    stall: {
      medianMs: stallSummary?.median ?? null,
      maxMs: stallSummary?.max ?? null,
      allMaxMs:
        summary(kills.flatMap((k) => (k.allStallMs === null ? [] : [k.allStallMs])))?.max ?? null,
      goalMs: STALL_GOAL_MS,
      unresolved: kills.length - stalls.length,
    },
    sessions: { kept: verdicts.length - r.lost.length, lost: [...r.lost] },
    delay: delays(guestFlows),
    slowest: slowest(guestFlows, 5),
  };
}
