/**
 * The open-file limit a benchmark with many sockets needs. Node raises its own soft limit to the
 * hard limit when it starts, and so does every Node child it forks (the server under test), so
 * what bounds both processes is the hard limit: a benchmark checks it before opening anything and
 * says how to raise it, rather than failing halfway with EMFILE.
 */
import { readFileSync } from 'node:fs';

/** Soft and hard limits on open files; `Infinity` for "unlimited". */
export interface OpenFileLimits {
  soft: number;
  hard: number;
}

/** Descriptors a process needs beyond its sockets: stdio, the store, IPC, the emulator, slack. */
export const FD_SLACK = 250;

function limitValue(text: string | undefined): number {
  if (text === undefined) return NaN;
  return text === 'unlimited' ? Infinity : Number(text);
}

/** The "Max open files" line of a `/proc/<pid>/limits` text; null when absent or unreadable. */
export function parseOpenFileLimits(limitsText: string): OpenFileLimits | null {
  const line = limitsText.split('\n').find((l) => l.startsWith('Max open files'));
  if (line === undefined) return null;
  const [soft, hard] = line.slice('Max open files'.length).trim().split(/\s+/);
  const limits = { soft: limitValue(soft), hard: limitValue(hard) };
  return Number.isNaN(limits.soft) || Number.isNaN(limits.hard) ? null : limits;
}

/** This process's limits; null off Linux. */
export function openFileLimits(): OpenFileLimits | null {
  try {
    return parseOpenFileLimits(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Null when `limits` allow `needed` descriptors in this process and in a Node child, else what
 * the user must do. Unknown limits (not Linux) pass: the run will say so if they bite.
 */
export function openFileProblem(limits: OpenFileLimits | null, needed: number): string | null {
  if (limits === null) return null;
  // Node starts every process with soft = hard when it may; a soft limit below `needed` with a
  // hard limit above it only happens outside Node, and a Node child still gets the hard limit.
  const usable = Math.max(limits.soft, limits.hard);
  if (usable >= needed) return null;
  return (
    `the open-file limit is ${usable} (hard), and this run needs about ${needed} per process ` +
    `(sockets + ${FD_SLACK}). Raise the hard limit: as root \`ulimit -Hn ${needed}\` in the ` +
    `shell that runs it, \`nofile\` in /etc/security/limits.conf, or ` +
    `\`docker run --ulimit nofile=${needed}:${needed}\`; or run with fewer clients and streams.`
  );
}
