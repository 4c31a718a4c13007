/**
 * Embedded PostgreSQL (PGlite, WebAssembly) behind a real `pg.Pool`, so Kysely and every query
 * run exactly as on a server. PGlite runs in a worker thread (`pglite-worker.ts`): its statements
 * execute synchronously inside WebAssembly, and in the main thread they would stall the event
 * loop that serves requests. `pg` talks to it through a socket-like stream (`pglite-thread.ts`)
 * carrying the wire protocol, so parsing, errors and notifications are `pg`'s own.
 *
 * PGlite is ONE backend connection. The pool therefore holds one client: while a transaction runs,
 * every other query waits for it. A query issued on the outer `db.kysely` from inside
 * `db.kysely.transaction().execute(async (trx) => …)` waits for the transaction that waits for it:
 * a deadlock. Inside a transaction, use `trx` for everything.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type {
  Driver,
  ListenOptions,
  NotificationHandler,
  StoreLogger,
  Unsubscribe,
} from './driver.js';
import { assertChannelName, deliver } from './driver.js';
import { PgliteThread } from './pglite-thread.js';
import { storeTypes } from './type-parsers.js';

/** Where a PGlite database lives: a folder, `memory://`, or a dump to start from (tests). */
export type PgliteSource = { dataDir: string } | { loadDataDir: Blob | File };

/** A PGlite driver; `dumpDataDir` is for test support (templates), not for queries. */
export interface PgliteDriver extends Driver {
  readonly dialect: 'pglite';
  /** The data folder as an uncompressed tar, loadable as `{ loadDataDir }`. */
  dumpDataDir(): Promise<Blob>;
}

/** Starts PGlite in its worker thread and wraps it in a one-client pool. */
export async function openPgliteDriver(
  source: PgliteSource,
  logger: StoreLogger,
): Promise<PgliteDriver> {
  const onDisk = 'dataDir' in source && !source.dataDir.startsWith('memory://');
  // PGlite creates the last folder of the path only. Ours is the owner's alone from the start.
  if (onDisk) await makePrivateDir(source.dataDir, logger);
  const thread = await PgliteThread.start(source);
  try {
    if (onDisk) await makePrivate(source.dataDir, logger);
  } catch (err) {
    await thread.close();
    throw err;
  }
  const pool = new pg.Pool({
    stream: () => thread.stream(),
    user: 'postgres',
    database: 'postgres',
    // One backend: a second client would share its protocol stream.
    max: 1,
    // Never end the idle client: PGlite has one session, where LISTENs live.
    idleTimeoutMillis: 0,
    types: storeTypes,
  });
  pool.on('error', (err) => logger.error({ err }, 'pglite pool error'));
  const channels = new Map<string, Set<NotificationHandler>>();
  pool.on('connect', (client) => {
    client.on('notification', ({ channel, payload }) => {
      for (const handler of channels.get(channel) ?? []) {
        deliver(handler, payload ?? '', channel, logger);
      }
    });
  });
  // LISTEN and UNLISTEN one at a time, so a channel's first handler and its last never race.
  let listening: Promise<unknown> = Promise.resolve();
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = listening.then(fn, fn);
    listening = run.catch(() => undefined);
    return run;
  };
  let closed = false;

  async function listen(
    channel: string,
    onPayload: NotificationHandler,
    _options?: ListenOptions,
  ): Promise<Unsubscribe> {
    assertChannelName(channel);
    // Its own function per call: the same handler listening twice is two subscriptions.
    const handler: NotificationHandler = (payload) => onPayload(payload);
    await serially(async () => {
      const handlers = channels.get(channel) ?? new Set();
      // Through the pool's only client: LISTEN never runs inside (and is never rolled back
      // with) someone else's open transaction on the same backend.
      if (handlers.size === 0) await pool.query(`LISTEN ${channel}`);
      handlers.add(handler);
      channels.set(channel, handlers);
    });
    let done = false;
    return async () => {
      if (done || closed) return;
      done = true;
      await serially(async () => {
        const handlers = channels.get(channel);
        if (!handlers?.delete(handler) || handlers.size > 0 || closed) return;
        channels.delete(channel);
        await pool.query(`UNLISTEN ${channel}`);
      });
    };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    try {
      await pool.end();
    } finally {
      await thread.close();
    }
  }

  return {
    dialect: 'pglite',
    pool,
    listen,
    close,
    dumpDataDir: () => thread.dump(),
  };
}

/** Permission bits for the group and for others. */
const GROUP_OTHER_BITS = 0o077;

/** Creates `dir` (and missing parents) owner-only, and makes it owner-only if it existed. */
async function makePrivateDir(dir: string, logger: StoreLogger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await restrict(dir, logger);
}

/**
 * Takes group and other permissions off every file and folder under `dir`. PGlite unpacks its
 * initial cluster with mode 0666 (its WebAssembly file system chmods explicitly, so the umask
 * does not help), and a folder made by an older Lasso may be 0755. What PostgreSQL creates later
 * is 0600/0700 already. Symbolic links are left alone (their modes mean nothing on Linux).
 */
async function makePrivate(dir: string, logger: StoreLogger): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await makePrivate(child, logger);
    else if (entry.isFile()) await restrict(child, logger);
  }
  await restrict(dir, logger);
}

/**
 * Makes one path owner-only. A path owned by someone else (a volume mounted with another owner)
 * cannot be changed: that is logged, not fatal, since Lasso can still use what it may write.
 */
async function restrict(file: string, logger: StoreLogger): Promise<void> {
  const { mode } = await lstat(file);
  if ((mode & GROUP_OTHER_BITS) === 0) return;
  try {
    await chmod(file, mode & 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    logger.warn({ file }, 'the PGlite data folder holds a path Lasso may not make owner-only');
  }
}
