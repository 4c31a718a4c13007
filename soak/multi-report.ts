/**
 * The report of `npm run soak:multi`: the guests' totals (as `npm run soak`), then what the call
 * log shows about the processes — whether two ever polled one host at once, how soon the hosts
 * the killed process held were polled by another, and Lasso's pace towards Last.fm — and the
 * stall of the guests the kill held up.
 */
import type { ActionRecord } from './browser.js';
import {
  pollOverlaps,
  takeovers,
  type AttributedCall,
  type PollOverlap,
  type PortLog,
  type ReadExcuse,
  type Takeover,
} from './calls.js';
import type { Judged } from './drain.js';
import type { CallLogEntry } from './emulator.js';
import type { HeldLease } from './postgres.js';
import {
  actionFailures,
  callFigures,
  flows,
  STALL_GOAL_MS,
  totals,
  verdictFailures,
  type CallFigures,
  type Totals,
} from './report.js';
import { REQUESTS_PER_SECOND } from './scene.js';
import { delays, slowest, stallAfter, summary } from './stall.js';

/** Last.fm's limit: 5 calls a second per IP (checked over 5-second spans). */
export const LASTFM_LIMIT_PER_5S = 25;
/** The burst of Lasso's shared limiter (`LASTFM_BURST` in server/runtime.ts). */
export const LASTFM_BURST = 5;
/** How long after a lease ran out another process may take to poll the host. */
export const TAKEOVER_SLACK_MS = 15_000;

/** The report of one `npm run soak:multi`. */
export interface MultiReport {
  suite: 'soak:multi';
  passed: boolean;
  failures: string[];
  options: {
    guests: number;
    hosts: number;
    minutes: number;
    faults: number;
    seed: number;
    trackSeconds: [number, number];
  };
  durationMs: number;
  total: Totals;
  leads: { required: number; ambiguous: number; may: number };
  drainComplete: boolean;
  processes: { name: string; alive: boolean; calls: number; polls: number }[];
  unattributedCalls: number;
  kill: {
    process: string;
    killedAt: number;
    heldLeases: number;
    takeovers: (Takeover & { delayMs: number | null })[];
    sendingGuests: number;
  };
  overlaps: PollOverlap[];
  pace: { maxIn5s: number; limit5s: number; maxIn60s: number; limit60s: number };
  calls: CallFigures;
  stall: {
    affectedGuests: number;
    medianMs: number | null;
    maxMs: number | null;
    unresolved: number;
    goalMs: number;
  };
  sessions: { kept: number; lost: string[] };
  /** From when a copy could go until Last.fm accepted it, over the whole run. */
  delay: ReturnType<typeof delays>;
  /** The copies that waited longest. */
  slowest: ReturnType<typeof slowest>;
}

/** What the run hands the report. */
export interface MultiEvidence {
  options: { guests: number; hosts: number; minutes: number; faults: number; seed: number };
  judged: Judged;
  actions: readonly ActionRecord[][];
  lost: readonly string[];
  calls: readonly CallLogEntry[];
  ports: PortLog;
  processes: { name: string; url: string; running: boolean }[];
  victim: string;
  kill: { killedAt: number; leases: HeldLease[]; sendingGuests: string[] };
  followersOf: (host: string) => string[];
  hosts: readonly string[];
  leaseMs: number;
  trackSeconds: [number, number];
  startedAt: number;
  endedAt: number;
}

/** The reads of a host a guest's start or resume made through one process: not polls. */
function excuses(e: MultiEvidence): ReadExcuse[] {
  const hostOf = new Map<string, string>();
  for (const h of e.hosts) for (const g of e.followersOf(h)) hostOf.set(g, h);
  const byUrl = new Map(e.processes.map((p) => [p.url, p.name]));
  return e.actions.flat().flatMap((a) =>
    a.kind === 'start' || a.kind === 'resume'
      ? a.attempts.map((t) => ({
          by: byUrl.get(t.origin) ?? '?',
          host: hostOf.get(a.guest) ?? '?',
          fromMs: t.fromMs,
          toMs: t.toMs,
        }))
      : [],
  );
}

/** The hosts the killed process held, when others took them, and the stall of its guests. */
function afterTheKill(e: MultiEvidence, calls: readonly AttributedCall[], reads: ReadExcuse[]) {
  const taken = takeovers(calls, e.kill.leases, e.victim, e.kill.killedAt, reads).map((t) => ({
    ...t,
    delayMs: t.polledAt === null ? null : t.polledAt - e.kill.killedAt,
  }));
  const affected = new Set([
    ...e.kill.leases.flatMap((l) => e.followersOf(l.host)),
    ...e.kill.sendingGuests,
  ]);
  const stalls = flows(e.judged)
    .filter((f) => affected.has(f.guest))
    .map((f) => stallAfter(e.kill.killedAt, [f]));
  const stallSummary = summary(stalls.flatMap((s) => (s?.stallMs == null ? [] : [s.stallMs])));
  const stall = {
    affectedGuests: affected.size,
    medianMs: stallSummary?.median ?? null,
    maxMs: stallSummary?.max ?? null,
    unresolved: stalls.filter((s) => s !== null && s.stallMs === null).length,
    goalMs: STALL_GOAL_MS,
  };
  return { taken, stall };
}

/** The checks only several processes have: overlaps, takeovers, pace, survivors, tracing. */
function processFailures(
  e: MultiEvidence,
  r: Pick<MultiReport, 'overlaps' | 'pace' | 'unattributedCalls'> & {
    taken: MultiReport['kill']['takeovers'];
  },
): string[] {
  const failures: string[] = [];
  for (const o of r.overlaps) {
    const at = new Date(o.second.at).toISOString();
    failures.push(`${o.host} polled by ${o.first.by} and ${o.second.by} at once (${at})`);
  }
  for (const t of r.taken) {
    if (t.polledAt !== null && t.polledAt <= t.leaseUntil + TAKEOVER_SLACK_MS) continue;
    const late =
      t.polledAt === null
        ? 'never polled again'
        : `polled by ${t.by} only ${((t.polledAt - t.leaseUntil) / 1000).toFixed(1)} s after its lease ended`;
    failures.push(`${t.host}: held by the killed process, ${late}`);
  }
  const { maxIn5s, limit5s, maxIn60s, limit60s } = r.pace;
  if (maxIn5s > limit5s) failures.push(`pace: ${maxIn5s} calls in 5 s (Last.fm allows ${limit5s})`);
  if (maxIn60s > limit60s) {
    failures.push(`pace: ${maxIn60s} calls in a minute (Lasso's pace allows ${limit60s})`);
  }
  for (const p of e.processes) {
    if (p.name !== e.victim && !p.running) failures.push(`process ${p.name} died`);
  }
  if (r.unattributedCalls > 0)
    failures.push(`${r.unattributedCalls} calls not traced to a process`);
  return failures;
}

/** Builds the report and its verdict. */
export function multiReport(e: MultiEvidence): MultiReport {
  const { verdicts } = e.judged;
  const total = totals(verdicts);
  const calls: AttributedCall[] = e.calls.map((c) => ({
    ...c,
    by: e.ports.nameOf(c.client, c.at),
  }));
  const reads = excuses(e);
  const overlaps = pollOverlaps(calls, new Set(e.hosts), reads);
  const { taken, stall } = afterTheKill(e, calls, reads);
  const figures = callFigures(e.calls, total.mirrored);
  const pace = {
    maxIn5s: figures.maxIn5s,
    limit5s: LASTFM_LIMIT_PER_5S,
    maxIn60s: figures.maxIn60s,
    limit60s: REQUESTS_PER_SECOND * 60 + LASTFM_BURST,
  };
  const unattributedCalls = calls.filter((c) => c.by === null).length;
  const failures = [
    ...verdictFailures(verdicts),
    ...actionFailures(e.actions),
    ...e.lost.map((g) => `${g}: browser session lost`),
    ...(e.judged.complete ? [] : ['Lasso had not finished mirroring by the deadline']),
    ...processFailures(e, { overlaps, pace, unattributedCalls, taken }),
  ];
  const sum = (f: (v: (typeof verdicts)[number]) => number): number =>
    verdicts.reduce((n, v) => n + f(v), 0);
  const isPoll = (c: AttributedCall): boolean =>
    c.method === 'user.getRecentTracks' && e.hosts.includes(c.user ?? '');
  return {
    suite: 'soak:multi',
    passed: failures.length === 0,
    failures,
    options: { ...e.options, trackSeconds: e.trackSeconds },
    durationMs: e.endedAt - e.startedAt,
    total,
    leads: {
      required: sum((v) => v.leads.required),
      ambiguous: sum((v) => v.leads.ambiguous),
      may: sum((v) => v.leads.may),
    },
    drainComplete: e.judged.complete,
    processes: e.processes.map((p) => ({
      name: p.name,
      alive: p.running,
      calls: calls.filter((c) => c.by === p.name).length,
      polls: calls.filter((c) => c.by === p.name && isPoll(c)).length,
    })),
    unattributedCalls,
    kill: {
      process: e.victim,
      killedAt: e.kill.killedAt,
      heldLeases: e.kill.leases.length,
      takeovers: taken,
      sendingGuests: e.kill.sendingGuests.length,
    },
    overlaps,
    pace,
    calls: figures,
    stall,
    sessions: { kept: verdicts.length - e.lost.length, lost: [...e.lost] },
    delay: delays(flows(e.judged)),
    slowest: slowest(flows(e.judged), 5),
  };
}
