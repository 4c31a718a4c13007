/**
 * The emulator in a worker thread, for the scale bench: its CPU is spent on its own thread and
 * event loop, so what the main thread burns is the engine's (and PGlite's). Time comes from the
 * main thread's ManualClock through shared memory; control calls come as messages, batched.
 * Started by `WorkerEmulator` (worker-emulator.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Clock } from '../lib/clock.js';
import { startEmulator, type EmulatorHandle } from '../emulator/server.js';
import type { LastfmApi } from '../lastfm/types.js';
import { applyHostChange } from './host-change.js';
import type { HostChange } from './listening.js';
import { SIM_API_KEY, SIM_API_SECRET, noLimiter } from './wire.js';
import { createLastfmClient } from '../lastfm/client.js';
import { threadCpuMs } from './cpu.js';

/** A request to the worker. */
export type WorkerRequest =
  | { op: 'users'; names: string[] }
  | { op: 'sessions'; names: string[] }
  | { op: 'apply'; changes: Array<{ host: string; change: HostChange }> }
  | { op: 'calls' }
  | { op: 'scrobbles'; names: string[] }
  | { op: 'cpu' }
  | { op: 'close' };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('emulator-worker runs in a worker thread');
  const time = new Float64Array(workerData as SharedArrayBuffer);
  const clock: Clock = {
    now: () => time[0] ?? 0,
    // Nothing sleeps in an instant emulator without listeners or faults; a sleeper would wait forever.
    sleep: (_ms, signal) =>
      new Promise((resolve) => signal?.addEventListener('abort', () => resolve())),
  };
  const emu = await startEmulator({
    clock,
    instant: true,
    apps: [{ api_key: SIM_API_KEY, secret: SIM_API_SECRET }],
  });
  const client = createLastfmClient({
    apiKey: SIM_API_KEY,
    apiSecret: SIM_API_SECRET,
    apiUrl: emu.apiUrl,
    clock,
    rateLimiter: noLimiter,
  });
  port.on('message', (msg: { id: number; req: WorkerRequest }) => {
    handle(emu, client, msg.req)
      .then((result) => port.postMessage({ id: msg.id, result }))
      .catch((err: unknown) => port.postMessage({ id: msg.id, error: String(err) }));
  });
  port.postMessage({ id: 0, result: { apiUrl: emu.apiUrl } });
}

/** Answers one request. */
async function handle(
  emu: EmulatorHandle,
  client: LastfmApi,
  req: WorkerRequest,
): Promise<unknown> {
  switch (req.op) {
    case 'users':
      for (const n of req.names) emu.createUser(n);
      return null;
    case 'sessions': {
      const keys: string[] = [];
      for (const n of req.names)
        keys.push((await client.getSession(emu.approve(SIM_API_KEY, n))).key);
      return keys;
    }
    case 'apply':
      for (const { host, change } of req.changes) applyHostChange(emu, host, change);
      return null;
    case 'calls': {
      const { total, by_method } = emu.calls();
      return { total, by_method };
    }
    case 'scrobbles':
      return req.names.map((n) => emu.scrobbles(n));
    case 'cpu':
      return threadCpuMs();
    case 'close':
      await emu.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

await main();
