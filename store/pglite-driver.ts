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
import pg from 'pg';
import type {
  Driver,
  ListenOptions,
  NotificationHandler,
  StoreLogger,
  Unsubscribe,
} from './driver.js';
import { assertChannelName, deliver } from './driver.js';
import { makePrivate, onDisk, startPglite, type PgliteSource } from './pglite-start.js';
import type { PgliteThread } from './pglite-thread.js';
import { storeTypes } from './type-parsers.js';

export type { PgliteSource } from './pglite-start.js';

/** A PGlite driver; `dumpDataDir` is for test support (templates), not for queries. */
export interface PgliteDriver extends Driver {
  readonly dialect: 'pglite';
  /** The data folder as an uncompressed tar, loadable as `{ loadDataDir }`. */
  dumpDataDir(): Promise<Blob>;
}

/**
 * Starts PGlite in its worker thread and wraps it in a one-client pool. `started` is that thread
 * already starting (`startPglite(source)`), when the caller began it earlier.
 */
export async function openPgliteDriver(
  source: PgliteSource,
  logger: StoreLogger,
  started: Promise<PgliteThread> = startPglite(source, logger),
): Promise<PgliteDriver> {
  const thread = await started;
  try {
    if (onDisk(source)) makePrivate(source.dataDir, logger);
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
