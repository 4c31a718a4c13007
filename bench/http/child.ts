/**
 * A server under test in its own child process, so the load generator (autocannon, in the
 * parent) never shares an event loop with it. The child reports its URL once it listens and its
 * CPU time and memory when asked, over the IPC channel `fork` opens.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How late timers ran on a process's event loop: time it could not answer anything. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** CPU time and memory of one process. */
export interface ProcessSample {
  /** User + system CPU time so far, in microseconds. */
  cpuMicros: number;
  rssBytes: number;
  /** The highest RSS seen since the previous sample of the same sampler (checked every 200 ms). */
  peakRssBytes: number;
  /** Event-loop delay since the previous sample of the same sampler. */
  loopDelay: LoopDelay;
}

/** Samples of this process; `stop()` ends the event-loop delay monitor. */
export interface ProcessSampler {
  sample(): ProcessSample;
  stop(): void;
}

type ToChild = { type: 'sample' } | { type: 'close' };
type FromChild =
  | { type: 'ready'; url: string }
  | { type: 'sample'; sample: ProcessSample }
  | { type: 'failed'; message: string };

/** A server running in a child process. */
export interface ServerChild {
  url: string;
  /** The child's CPU time and RSS now, and its event-loop delay since the last sample. */
  sample(): Promise<ProcessSample>;
  /** Asks the server to close and waits for the process to exit. */
  close(): Promise<void>;
}

/** Event-loop delay resolution: finer costs timer wake-ups of its own. */
const LOOP_DELAY_RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;
/** How often the peak RSS is checked between samples. */
const RSS_CHECK_MS = 200;

/**
 * Samples this process: CPU time and RSS now; event-loop delay and peak RSS since the last
 * sample.
 */
export function createProcessSampler(): ProcessSampler {
  const loop = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loop.enable();
  let peakRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, RSS_CHECK_MS);
  rssTimer.unref();
  return {
    sample() {
      const cpu = process.cpuUsage();
      const rssBytes = process.memoryUsage.rss();
      const peakRssBytes = Math.max(peakRss, rssBytes);
      peakRss = rssBytes;
      // The histogram holds whole timer intervals: lateness is what exceeds the resolution.
      // Before any wake-up it is empty and reports NaN.
      const ms = (ns: number): number =>
        Number.isFinite(ns) ? Math.max(0, ns / NS_PER_MS - LOOP_DELAY_RESOLUTION_MS) : 0;
      const loopDelay = {
        p50Ms: ms(loop.percentile(50)),
        p99Ms: ms(loop.percentile(99)),
        maxMs: ms(loop.max),
      };
      loop.reset();
      return { cpuMicros: cpu.user + cpu.system, rssBytes, peakRssBytes, loopDelay };
    },
    stop() {
      loop.disable();
      clearInterval(rssTimer);
    },
  };
}

/**
 * Starts `script` (a TypeScript file run through the same tsx loader as this process) with
 * `env` added to the environment, and resolves once it reports that it listens.
 */
export function spawnServer(script: string, env: Record<string, string>): Promise<ServerChild> {
  const child = fork(script, [], {
    execArgv: process.execArgv,
    env: { ...process.env, ...env },
    // The child's log lines go to stderr: stdout is the report (and must parse with --json).
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`${script} exited (${code}) before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.on('message', (raw) => {
      const msg = raw as FromChild;
      if (msg.type === 'failed') reject(new Error(`${script}: ${msg.message}`));
      if (msg.type !== 'ready') return;
      child.off('exit', onExit);
      resolve(handle(child, msg.url, exited));
    });
  });
}

function handle(child: ChildProcess, url: string, exited: Promise<void>): ServerChild {
  const send = (msg: ToChild): void => {
    child.send(msg);
  };
  return {
    url,
    sample: () =>
      new Promise((resolve) => {
        const onMessage = (raw: unknown): void => {
          const msg = raw as FromChild;
          if (msg.type !== 'sample') return;
          child.off('message', onMessage);
          resolve(msg.sample);
        };
        child.on('message', onMessage);
        send({ type: 'sample' });
      }),
    async close() {
      if (child.exitCode === null) send({ type: 'close' });
      // A server that does not drain in time is not worth waiting for: the figures are in.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The child's side: starts the server, reports its URL, answers samples, closes on request.
 * Exits the process when done.
 */
export async function serveInChild(
  start: () => Promise<{ url: string; close(): Promise<void> }>,
): Promise<void> {
  if (!process.send) throw new Error('a bench:http server runs as a child of bench/http.ts');
  const reply = (msg: FromChild): void => {
    process.send?.(msg);
  };
  const sampler = createProcessSampler();
  let server: { url: string; close(): Promise<void> };
  try {
    server = await start();
  } catch (err) {
    reply({
      type: 'failed',
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    process.exit(1);
  }
  process.on('message', (raw) => {
    const msg = raw as ToChild;
    if (msg.type === 'sample') reply({ type: 'sample', sample: sampler.sample() });
    if (msg.type === 'close') {
      void server.close().finally(() => process.exit(0));
    }
  });
  // The parent died: do not linger.
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', url: server.url });
}
