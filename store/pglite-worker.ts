/**
 * The worker thread that owns the embedded database. PGlite runs every statement synchronously
 * inside WebAssembly; here that work blocks only this thread, never the event loop that serves
 * requests. The main thread (`pglite-thread.ts`) sends the bytes its `pg` client writes — the
 * PostgreSQL wire protocol, start-up packet included — and gets back PGlite's answer bytes, which
 * `pg` parses as it would a server's. One request runs at a time, in the order sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { pgliteOptions } from './pglite-snapshot.js';

/**
 * A compiled WebAssembly module, as PGlite takes it. Named through PGlite's options: the server's
 * type library (ES2023, no DOM) has no `WebAssembly` namespace, so `tsc -p tsconfig.build.json`
 * could not name it directly.
 */
export type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;

/** Where the database lives, as `openPgliteDriver` was given it (the Blob is cloned over). */
export type PgliteWorkerSource = { dataDir: string } | { loadDataDir: Blob | File };

/**
 * What the worker is started with: the source, and PGlite's compiled WebAssembly and bundle, or
 * null when the worker is to load them itself (PGlite then reads them from its package).
 */
export interface PgliteWorkerData {
  source: PgliteWorkerSource;
  artifacts: { pgliteWasmModule: WasmModule; fsBundle: Blob } | null;
}

/**
 * Settings added to PGlite's own start parameters. `shared_buffers` is PostgreSQL's page cache,
 * 128 MB by default, inside the WebAssembly heap: the whole of Lasso's database is a few MB, and
 * an in-memory store (demo mode) keeps every page in memory besides, so 16 MB holds every page
 * Lasso touches while taking ~125 MB off the idle process (bench:start, README "Benchmarks").
 * `max_wal_size` and `min_wal_size` bound the write-ahead log a checkpoint keeps.
 */
export const PGLITE_SETTINGS = [
  '-c',
  'shared_buffers=16MB',
  // Log kept for reuse after a checkpoint (`checkpoint.ts` checkpoints: single-user PostgreSQL
  // never does on its own): 64 MB, not 1 GB, on disk and, in memory, in the heap.
  '-c',
  'max_wal_size=64MB',
  '-c',
  'min_wal_size=32MB',
];

/** What the main thread asks. */
export type PgliteWorkerRequest =
  | { id: number; op: 'exec'; bytes: Uint8Array }
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

/** The worker's messages: `ready` once (or `failed`), then one answer per request id. */
export type PgliteWorkerMessage =
  | { op: 'ready' }
  | { op: 'failed'; error: string }
  | { op: 'answer'; id: number; bytes?: Uint8Array; blob?: Blob; error?: string };

/** PGlite's answer to `bytes`, copied out of its WebAssembly memory chunk by chunk. */
async function exec(pglite: PGlite, bytes: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  await pglite.execProtocolRawStream(bytes, {
    onRawData: (chunk) => {
      chunks.push(chunk.slice());
      length += chunk.length;
    },
  });
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-worker.ts runs in a worker thread only');
  const post = (m: PgliteWorkerMessage, transfer: ArrayBuffer[] = []): void =>
    port.postMessage(m, transfer);
  let pglite: PGlite;
  try {
    // A fresh folder or memory:// starts from the build's migrated snapshot when one fits; it is
    // read while PGlite's code loads.
    const { source, artifacts } = workerData as PgliteWorkerData;
    const [{ PGlite }, options] = await Promise.all([
      import('@electric-sql/pglite'),
      pgliteOptions(source),
    ]);
    pglite = await PGlite.create({
      ...options,
      ...(artifacts ?? {}),
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    });
  } catch (err) {
    post({ op: 'failed', error: errorText(err) });
    return;
  }
  // Requests run one after another: PGlite is one backend, and answers must keep their order.
  let queue = Promise.resolve();
  const answer = async (request: PgliteWorkerRequest): Promise<void> => {
    const { id } = request;
    try {
      switch (request.op) {
        case 'exec': {
          const bytes = await exec(pglite, request.bytes);
          post({ op: 'answer', id, bytes }, [bytes.buffer as ArrayBuffer]);
          return;
        }
        case 'dump':
          post({ op: 'answer', id, blob: await pglite.dumpDataDir('none') });
          return;
        case 'close':
          await pglite.close();
          post({ op: 'answer', id });
          port.close();
          return;
      }
    } catch (err) {
      post({ op: 'answer', id, error: errorText(err) });
    }
  };
  port.on('message', (request: PgliteWorkerRequest) => {
    queue = queue.then(() => answer(request));
  });
  post({ op: 'ready' });
}

await main();
