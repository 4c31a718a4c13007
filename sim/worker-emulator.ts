/**
 * The main thread's handle on the emulator worker (emulator-worker.ts): request/answer messages,
 * and the shared time the worker's clock reads.
 */
import { Worker } from 'node:worker_threads';
import type { LibraryRow } from './oracle.js';
import type { HostChange } from './listening.js';
import type { WorkerRequest } from './emulator-worker.js';

/**
 * The worker's first code: a thread does not inherit tsx's loader (Node 20), so it loads the
 * TypeScript entry through tsx's `tsImport`.
 */
function bootstrap(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const url = JSON.stringify(entry.href);
  return `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${url}, ${url}));`;
}

/** The emulator running in a worker thread. */
export class WorkerEmulator {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly time: Float64Array;

  private constructor(
    private readonly worker: Worker,
    shared: SharedArrayBuffer,
    readonly apiUrl: string,
  ) {
    this.time = new Float64Array(shared);
  }

  /** Starts the worker with the clock at `nowMs`. */
  static async start(nowMs: number): Promise<WorkerEmulator> {
    const shared = new SharedArrayBuffer(8);
    new Float64Array(shared)[0] = nowMs;
    const worker = new Worker(bootstrap(new URL('./emulator-worker.ts', import.meta.url)), {
      eval: true,
      workerData: shared,
    });
    const apiUrl = await new Promise<string>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: { result: { apiUrl: string } }) => resolve(m.result.apiUrl));
    });
    const emu = new WorkerEmulator(worker, shared, apiUrl);
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => emu.answer(m));
    worker.on('error', (err) => {
      for (const p of emu.pending.values()) p.reject(err);
      emu.pending.clear();
    });
    return emu;
  }

  /** Publishes the simulated time to the worker. */
  setTime(ms: number): void {
    this.time[0] = ms;
  }

  users(names: string[]): Promise<void> {
    return this.call({ op: 'users', names }) as Promise<void>;
  }

  /** Session keys of the users, through approve + auth.getSession inside the worker. */
  sessions(names: string[]): Promise<string[]> {
    return this.call({ op: 'sessions', names }) as Promise<string[]>;
  }

  apply(changes: Array<{ host: string; change: HostChange }>): Promise<void> {
    return this.call({ op: 'apply', changes }) as Promise<void>;
  }

  calls(): Promise<{ total: number; by_method: Record<string, number> }> {
    return this.call({ op: 'calls' }) as Promise<{
      total: number;
      by_method: Record<string, number>;
    }>;
  }

  scrobbles(names: string[]): Promise<LibraryRow[][]> {
    return this.call({ op: 'scrobbles', names }) as Promise<LibraryRow[][]>;
  }

  /** The worker thread's CPU time (ms), or null off Linux. */
  cpuMs(): Promise<number | null> {
    return this.call({ op: 'cpu' }) as Promise<number | null>;
  }

  async close(): Promise<void> {
    await this.call({ op: 'close' });
    await new Promise((resolve) => this.worker.once('exit', resolve));
  }

  private call(req: WorkerRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, req });
    });
  }

  private answer(m: { id: number; result?: unknown; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.result);
  }
}
