/**
 * Embedded PostgreSQL (PGlite, WebAssembly) behind a real `pg.Pool`, through PGlite's
 * node-postgres adapter, so Kysely and every query run exactly as on a server.
 *
 * PGlite is ONE backend connection. The pool therefore holds one client: while a transaction runs,
 * every other query waits for it. A query issued on the outer `db.kysely` from inside
 * `db.kysely.transaction().execute(async (trx) => …)` waits for the transaction that waits for it:
 * a deadlock. Inside a transaction, use `trx` for everything.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import type {
  Driver,
  ListenOptions,
  NotificationHandler,
  StoreLogger,
  Unsubscribe,
} from './driver.js';
import { assertChannelName, deliver } from './driver.js';
import { storeTypes } from './type-parsers.js';

/** Where a PGlite database lives: a folder, `memory://`, or a dump to start from (tests). */
export type PgliteSource = { dataDir: string } | { loadDataDir: Blob | File };

/** A PGlite driver; `pglite` is exposed for test support (dumps), not for queries. */
export interface PgliteDriver extends Driver {
  readonly dialect: 'pglite';
  readonly pglite: PGlite;
}

/** Starts PGlite (imported only now: it is large) and wraps it in a one-client pool. */
export async function openPgliteDriver(
  source: PgliteSource,
  logger: StoreLogger,
): Promise<PgliteDriver> {
  const [{ PGlite }, { createPgConfig }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/node-postgres'),
  ]);
  const options: PGliteOptions =
    'dataDir' in source ? { dataDir: source.dataDir } : { loadDataDir: source.loadDataDir };
  const onDisk = 'dataDir' in source && !source.dataDir.startsWith('memory://');
  // PGlite creates the last folder of the path only. Ours is the owner's alone from the start.
  if (onDisk) await makePrivateDir(source.dataDir, logger);
  const pglite = await PGlite.create(options);
  if (onDisk) await makePrivate(source.dataDir, logger);
  const pool = new pg.Pool({
    ...createPgConfig(pglite),
    // One backend: a second client would share its protocol stream.
    max: 1,
    // Never end the idle client: its connection object is PGlite's only one.
    idleTimeoutMillis: 0,
    types: storeTypes,
  });
  pool.on('error', (err) => logger.error({ err }, 'pglite pool error'));
  let closed = false;

  async function listen(
    channel: string,
    onPayload: NotificationHandler,
    _options?: ListenOptions,
  ): Promise<Unsubscribe> {
    assertChannelName(channel);
    const handler = (payload: string): void => deliver(onPayload, payload, channel, logger);
    // Holding the only pooled client guarantees LISTEN does not run inside (and get rolled back
    // with) someone else's open transaction on the same backend.
    const unlisten = await withPoolClient(pool, () => pglite.listen(channel, handler));
    let done = false;
    return async () => {
      if (done || closed) return;
      done = true;
      await withPoolClient(pool, () => unlisten());
    };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await pool.end();
    await pglite.close();
  }

  return { dialect: 'pglite', pool, pglite, listen, close };
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

async function withPoolClient<T>(pool: pg.Pool, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn();
  } finally {
    client.release();
  }
}
