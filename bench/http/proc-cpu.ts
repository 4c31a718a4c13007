/**
 * CPU time from Linux's /proc, for the processes a benchmark does not own: the whole machine
 * (how busy other work kept the shared cores) and PostgreSQL's backends (the store's CPU, which
 * is not in the server's own figure). Every reader returns null off Linux.
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s. */
export const TICKS_PER_SECOND = 100;

/** Ticks of all cores since boot: busy (not idle, not waiting for I/O) and in total. */
export interface MachineTicks {
  busy: number;
  total: number;
}

/** The aggregate `cpu` line of a /proc/stat text; null when absent. */
export function parseMachineTicks(statText: string): MachineTicks | null {
  const line = statText.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return null;
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** The machine's ticks now. */
export function machineTicks(): MachineTicks | null {
  try {
    return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** User + system ticks of a /proc/<pid>/stat text; null when malformed. */
export function parseProcessTicks(statText: string): number | null {
  // The fields after the command name (which may hold spaces) start after its ")".
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return Number.isFinite(ticks) ? ticks : null;
}

/** CPU ticks of each process of `pids` that still exists (by pid). */
export function processTicks(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const ticks = parseProcessTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (ticks !== null) out.set(pid, ticks);
    } catch {
      // Gone, or not ours to read: it simply does not count.
    }
  }
  return out;
}

/**
 * Cores' worth of CPU the processes used between two readings (ticks ÷ wall time). A process
 * missing from `before` counts nothing and one gone by `after` loses its share: a lower bound.
 */
export function coresBetween(
  before: Map<number, number>,
  after: Map<number, number>,
  wallMs: number,
): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? t);
  return wallMs > 0 ? ticks / TICKS_PER_SECOND / (wallMs / 1000) : 0;
}
