/**
 * What the emulator's call log shows about Lasso's behaviour towards Last.fm: its pace (the
 * most calls in any span), and with several processes which one made each call, whether two
 * processes ever polled one host at once, and how soon a dead process's hosts were polled by
 * another. Pure.
 */
import type { CallLogEntry } from './emulator.js';

/** The most calls that arrived within any `windowMs` (a half-open span), and where it starts. */
export function busiestSpan(
  calls: readonly Pick<CallLogEntry, 'at'>[],
  windowMs: number,
): { count: number; from: number | null } {
  const times = calls.map((c) => c.at).sort((a, b) => a - b);
  let best = { count: 0, from: null as number | null };
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, from: times[lo]! };
  }
  return best;
}

/** Which process had a connection from each local port, and since when (epoch ms). */
export class PortLog {
  private readonly byPort = new Map<number, { name: string; since: number }[]>();

  record(port: number, name: string, since: number): void {
    const list = this.byPort.get(port) ?? [];
    list.push({ name, since });
    this.byPort.set(port, list);
  }

  /** The process whose connection came from `client` (`address:port`) at `at`, or null. */
  nameOf(client: string | null, at: number): string | null {
    const port = Number(client?.slice(client.lastIndexOf(':') + 1));
    const list = this.byPort.get(port) ?? [];
    let name: string | null = null;
    for (const e of list) if (e.since <= at) name = e.name;
    return name;
  }
}

/** A call with the process that made it. */
export interface AttributedCall extends CallLogEntry {
  by: string | null;
}

/** A span during which process `by` legitimately read `host` outside a poll (a guest's request). */
export interface ReadExcuse {
  by: string;
  host: string;
  fromMs: number;
  toMs: number;
}

/**
 * The calls that polled one of `hosts` (`user.getRecentTracks` of the host, less the reads a
 * guest's start or resume made through one process), in arrival order.
 */
export function hostPolls(
  calls: readonly AttributedCall[],
  hosts: ReadonlySet<string>,
  excuses: readonly ReadExcuse[],
): AttributedCall[] {
  const excused = (c: AttributedCall): boolean =>
    excuses.some((e) => e.by === c.by && e.host === c.user && c.at >= e.fromMs && c.at <= e.toMs);
  return calls
    .filter((c) => c.method === 'user.getRecentTracks' && c.user !== null && hosts.has(c.user))
    .filter((c) => c.by !== null && !excused(c))
    .sort((a, b) => a.at - b.at);
}

/** Two processes' polls of one host that overlapped in time. */
export interface PollOverlap {
  host: string;
  first: { by: string; at: number; answeredAt: number };
  second: { by: string; at: number };
}

/**
 * The polls of `hosts` (`user.getRecentTracks` of the host, less the reads a guest's start or
 * resume made through one process) where a process's call began before another process's call
 * of the same host had been answered: the host was polled by two processes at once. A poll
 * releases its lease only after its last call is answered, so with leases working one process's
 * poll always ends before another's begins.
 */
export function pollOverlaps(
  calls: readonly AttributedCall[],
  hosts: ReadonlySet<string>,
  excuses: readonly ReadExcuse[],
): PollOverlap[] {
  const polls = hostPolls(calls, hosts, excuses);
  // Per host, per process: its call answered last so far.
  const last = new Map<string, Map<string, AttributedCall>>();
  const overlaps: PollOverlap[] = [];
  for (const c of polls) {
    const host = c.user!;
    const byProcess = last.get(host) ?? new Map<string, AttributedCall>();
    for (const [by, prev] of byProcess) {
      const end = prev.answered_at ?? Infinity;
      if (by !== c.by && c.at < end) {
        overlaps.push({
          host,
          first: { by, at: prev.at, answeredAt: end },
          second: { by: c.by!, at: c.at },
        });
      }
    }
    const mine = byProcess.get(c.by!);
    if (!mine || (c.answered_at ?? Infinity) >= (mine.answered_at ?? Infinity)) {
      byProcess.set(c.by!, c);
    }
    last.set(host, byProcess);
  }
  return overlaps;
}

/** When another process first polled a host the dead process held (null: never). */
export interface Takeover {
  host: string;
  leaseUntil: number;
  polledAt: number | null;
  by: string | null;
}

/**
 * For each host `dead` held a lease on at `killedAt`, the first poll by another process after
 * (a guest's start or resume reading the host is not a poll: `excuses`).
 */
export function takeovers(
  calls: readonly AttributedCall[],
  held: readonly { host: string; until: number }[],
  dead: string,
  killedAt: number,
  excuses: readonly ReadExcuse[],
): Takeover[] {
  const polls = hostPolls(calls, new Set(held.map((h) => h.host)), excuses);
  return held.map(({ host, until }) => {
    const first = polls.find((c) => c.user === host && c.at > killedAt && c.by !== dead);
    return { host, leaseUntil: until, polledAt: first?.at ?? null, by: first?.by ?? null };
  });
}
