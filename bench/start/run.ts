/**
 * One run of `bench:start`: spawn a start command in its own process group, ask `/readyz` until
 * it answers 200, optionally idle and read the serving process's RSS, then stop the group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** How often `/readyz` is asked while a process starts. */
const POLL_MS = 10;
/** A start slower than this is a failure, not a figure. */
const START_TIMEOUT_MS = 600_000;
const MB = 1024 * 1024;

/** One way of starting, with its goals (null: no goal). */
export interface Case {
  name: string;
  /** The checkout it runs in. */
  cwd: string;
  goalReadyMs: number | null;
  goalRssMb: number | null;
  /** The command and environment of one run; `run` is its index. */
  command(run: number): Promise<{ cmd: string; args: string[]; env: Record<string, string> }>;
  runs: number;
}

export { freePort } from '../../lib/free-port.js';

/** The resident set of `pid` in bytes (Linux), or null once it is gone. */
async function rssBytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** The node process serving: `pid` itself, or (for `npm start`) its descendant running node. */
async function serverPid(pid: number): Promise<number> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const descendants = children.trim().split(/\s+/).filter(Boolean).map(Number);
  for (const d of descendants) {
    const cmdline = await readFile(`/proc/${d}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('main.js') || cmdline.includes('node')) {
      return serverPid(d);
    }
  }
  return pid;
}

async function readyOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Kills the whole process group of `child` gently, then for sure. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid ?? 0;
  process.kill(-pid, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone in the meantime.
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

/** Starts one run, waits for `/readyz` 200, optionally idles and reads the RSS, stops it. */
export async function runOnce(
  c: Case,
  run: number,
  idleMs: number,
): Promise<{ readyMs: number; rssMb: number | null }> {
  const { cmd, args, env } = await c.command(run);
  const url = `http://127.0.0.1:${env.PORT}/readyz`;
  const started = performance.now();
  const child = spawn(cmd, args, {
    cwd: c.cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    while (!(await readyOnce(url))) {
      if (child.exitCode !== null)
        throw new Error(`${c.name}: exited ${child.exitCode}\n${stderr}`);
      if (performance.now() - started > START_TIMEOUT_MS) throw new Error(`${c.name}: not ready`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const readyMs = performance.now() - started;
    if (idleMs === 0) return { readyMs, rssMb: null };
    const pid = await serverPid(child.pid ?? 0);
    await new Promise((r) => setTimeout(r, idleMs));
    const rss = await rssBytes(pid);
    return { readyMs, rssMb: rss === null ? null : rss / MB };
  } finally {
    await stop(child);
  }
}
