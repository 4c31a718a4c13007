/**
 * The main thread's side of the PGlite worker (`pglite-worker.ts`): starts it, sends it protocol
 * bytes, and gives `pg` a socket-like stream per client connection. The worker keeps the process
 * alive only while a request is in flight, as an in-process database would.
 */
import { readFile } from 'node:fs/promises';
import { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type {
  PgliteWorkerData,
  PgliteWorkerMessage,
  PgliteWorkerRequest,
  PgliteWorkerSource,
  WasmModule,
} from './pglite-worker.js';

type Request = { op: 'exec'; bytes: Uint8Array } | { op: 'dump' } | { op: 'close' };
type Answer = Extract<PgliteWorkerMessage, { op: 'answer' }>;

interface Waiter {
  resolve: (answer: Answer) => void;
  reject: (err: Error) => void;
}

/** What every PGlite needs, loaded once per process and handed to each worker. */
export interface PgliteArtifacts {
  pgliteWasmModule: WasmModule;
  fsBundle: Blob;
}

let artifacts: Promise<PgliteArtifacts> | undefined;

/** Node's global WebAssembly (the server's type library declares only its types). */
const { WebAssembly: wasmApi } = globalThis as unknown as {
  WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> };
};

/**
 * PGlite's WebAssembly compiled once per process (V8 shares a module's code with the threads it
 * is sent to) and its file-system bundle read once, instead of both again in every worker: a
 * process that opens several databases (tests, benches) would otherwise compile it each time.
 */
function loadArtifacts(): Promise<PgliteArtifacts> {
  setWasmTiering();
  artifacts ??= (async () => {
    const dist = new URL('.', import.meta.resolve('@electric-sql/pglite'));
    const [wasm, data] = await Promise.all([
      readFile(new URL('pglite.wasm', dist)),
      readFile(new URL('pglite.data', dist)),
    ]);
    return { pgliteWasmModule: await wasmApi.compile(wasm), fsBundle: new Blob([data]) };
  })();
  artifacts.catch(() => (artifacts = undefined));
  return artifacts;
}

/**
 * How much a WebAssembly function runs under V8's baseline compiler (Liftoff) before V8 compiles
 * it again with its optimising one (TurboFan), in V8's rough "bytes executed": 100 times Node
 * 20's default (1.8 M; Node 24's is 13 M). PostgreSQL's start-up and its first statements run
 * code once or a few times each, and at the default budget V8 spent ~0.7–1 s of CPU
 * recompiling it in the background, on a 2-core machine the same cores that load the server:
 * an embedded restart used 2.5 s of CPU to be ready and 1.85 s with this budget (1.5 s with no
 * TurboFan at all). Code that stays hot, a query served thousands of times, still moves up; a
 * PGlite query loop used the same CPU per query after its first thousand either way (README,
 * "Benchmarks", bench:start).
 */
export const WASM_TIERING_BUDGET = 180_000_000;
let tieringSet = false;

/**
 * Sets `WASM_TIERING_BUDGET`, once per process, before the first PGlite is compiled. V8's flags
 * are the process's; this one is read when a module is instantiated and each time a function's
 * budget runs out, so setting it while running changes nothing else.
 */
function setWasmTiering(): void {
  if (tieringSet) return;
  tieringSet = true;
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
}

/**
 * A worker is started from the compiled `.js` beside this file; from TypeScript sources (tsx,
 * Vitest) a thread does not inherit the loader, so its first code loads the entry through tsx.
 */
function startWorker(source: PgliteWorkerSource, shared: PgliteArtifacts | null): Worker {
  setWasmTiering();
  const options = { workerData: { source, artifacts: shared } satisfies PgliteWorkerData };
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./pglite-worker.js', import.meta.url), options);
  }
  const entry = JSON.stringify(new URL('./pglite-worker.ts', import.meta.url).href);
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `import(${api}).then((m) => m.tsImport(${entry}, ${entry}));`;
  return new Worker(code, { ...options, eval: true });
}

/** A running PGlite worker. */
export class PgliteThread {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    started: { resolve: () => void; reject: (err: Error) => void },
  ) {
    worker.on('message', (m: PgliteWorkerMessage) => {
      if (m.op === 'answer') this.settle(m);
      else if (m.op === 'ready') started.resolve();
      else started.reject(new Error(m.error));
    });
    worker.on('error', (err) => {
      started.reject(err);
      this.fail(err);
    });
    worker.on('exit', (code) => {
      const err = new Error(`the PGlite worker exited (${code})`);
      started.reject(err);
      this.fail(err);
    });
  }

  /**
   * Starts the worker and resolves once PGlite is open in it. By default the worker gets the
   * process's shared artifacts (compiled once, for processes that open many databases). With
   * `ownArtifacts` the worker is spawned at once, in this call, and PGlite loads its own: a
   * server opening its one store starts it before the main thread goes on to compile its other
   * modules, which would hold back the shared artifacts' file reads until it was done.
   */
  static async start(
    source: PgliteWorkerSource,
    options: { ownArtifacts?: boolean } = {},
  ): Promise<PgliteThread> {
    const worker = startWorker(source, options.ownArtifacts ? null : await loadArtifacts());
    let thread: PgliteThread | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        thread = new PgliteThread(worker, { resolve, reject });
      });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    // From now on the worker keeps the process alive only while a request is in flight.
    worker.unref();
    return thread!;
  }

  /** PGlite's answer to protocol bytes (one or more whole messages). */
  async exec(bytes: Uint8Array): Promise<Buffer> {
    // Copied, not transferred: a small Buffer is a view of Node's shared pool.
    const answer = await this.request({ op: 'exec', bytes });
    const out = answer.bytes ?? new Uint8Array(0);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }

  /** The data folder as an uncompressed tar (test templates). */
  async dump(): Promise<Blob> {
    const answer = await this.request({ op: 'dump' });
    if (!answer.blob) throw new Error('the PGlite worker sent no dump');
    return answer.blob;
  }

  /** Closes PGlite (after whatever was sent before) and ends the thread. */
  async close(): Promise<void> {
    try {
      if (!this.failure) await this.request({ op: 'close' });
    } finally {
      await this.worker.terminate();
      this.fail(new Error('the PGlite worker exited: closed'));
    }
  }

  /** A new socket-like stream for one `pg` client connection. */
  stream(): PgliteSocket {
    return new PgliteSocket(this);
  }

  private request(request: Request): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // Held while something is in flight: a script awaiting a query must not exit under it.
    if (this.waiting.size === 0) this.worker.ref();
    const answer = new Promise<Answer>((resolve, reject) =>
      this.waiting.set(id, { resolve, reject }),
    );
    this.worker.postMessage({ id, ...request } satisfies PgliteWorkerRequest);
    return answer;
  }

  private settle(answer: Answer): void {
    const waiter = this.waiting.get(answer.id);
    if (!waiter) return;
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (answer.error === undefined) waiter.resolve(answer);
    else waiter.reject(new Error(`PGlite worker: ${answer.error}`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}

/**
 * What `pg`'s connection expects of a socket, over the worker: writes made in one tick (a
 * query's Parse, Bind, Describe, Execute and Sync) go to PGlite as one request, and its answer
 * is what the stream reads. Answers come back in the order the requests were sent.
 */
export class PgliteSocket extends Duplex {
  private pending: Buffer[] = [];
  private scheduled = false;

  constructor(private readonly thread: PgliteThread) {
    super();
  }

  /** There is nothing to connect to: `pg` sends its start-up packet once this says connected. */
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error) => void): void {
    this.pending.push(chunk);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
    done();
  }

  override _read(): void {
    // Answers are pushed as they arrive.
  }

  override _final(done: (err?: Error) => void): void {
    this.push(null);
    done();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.destroyed) return;
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    this.thread.exec(bytes).then(
      (answer) => {
        if (answer.length > 0 && !this.destroyed) this.push(answer);
      },
      (err: Error) => this.destroy(err),
    );
  }
}
