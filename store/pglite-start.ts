/**
 * Starting the embedded store's PGlite thread, kept apart from the driver (which needs `pg`) so
 * the server can start it first thing: `server/open-store.ts` calls `startPglite` before the rest
 * of the server has loaded, and PGlite's start (most of an embedded start-up) runs in its thread
 * while the main thread loads the HTTP stack. Light on purpose: Node built-ins and the thread.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { StoreLogger } from './driver.js';
import { PgliteThread } from './pglite-thread.js';

/** Where a PGlite database lives: a folder, `memory://`, or a dump to start from (tests). */
export type PgliteSource = { dataDir: string } | { loadDataDir: Blob | File };

/** The folder PGlite uses when neither a URL nor `dataDir` names a store. */
export const DEFAULT_DATA_DIR = './data';

/**
 * The PGlite source a store's `url` and `dataDir` name (`openDatabase`'s options), or null for a
 * PostgreSQL server: no URL is a folder (default `./data`), `memory://` is in memory.
 */
export function embeddedSource(options: { url?: string; dataDir?: string }): PgliteSource | null {
  const { url } = options;
  if (url === undefined || url === '') return { dataDir: options.dataDir ?? DEFAULT_DATA_DIR };
  if (url === 'memory://') return { dataDir: 'memory://' };
  return null;
}

/** True when `source` is a folder on disk (not `memory://`, not a dump). */
export function onDisk(source: PgliteSource): source is { dataDir: string } {
  return 'dataDir' in source && !source.dataDir.startsWith('memory://');
}

/**
 * Starts PGlite for `source` in its worker thread; resolves once it is open. A folder is created
 * owner-only first (PGlite creates only the last folder of the path).
 */
export async function startPglite(
  source: PgliteSource,
  logger: StoreLogger,
): Promise<PgliteThread> {
  if (onDisk(source)) makePrivateDir(source.dataDir, logger);
  return PgliteThread.start(source);
}

/** Permission bits for the group and for others. */
const GROUP_OTHER_BITS = 0o077;

/** Creates `dir` (and missing parents) owner-only, and makes it owner-only if it existed. */
function makePrivateDir(dir: string, logger: StoreLogger): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrict(dir, logger);
}

/**
 * Takes group and other permissions off every file and folder under `dir`. PGlite unpacks its
 * initial cluster with mode 0666 (its WebAssembly file system chmods explicitly, so the umask
 * does not help), and a folder made by an older Lasso may be 0755. What PostgreSQL creates later
 * is 0600/0700 already. Symbolic links are left alone (their modes mean nothing on Linux).
 *
 * Synchronous: it runs once, when the store opens, over ~1,000 paths. One `lstat` each through
 * the thread pool took ~0.4 s of a ~2 s restart (bench:start); done in place they take
 * milliseconds, and nothing is being served yet.
 */
export function makePrivate(dir: string, logger: StoreLogger): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) makePrivate(child, logger);
    else if (entry.isFile()) restrict(child, logger);
  }
  restrict(dir, logger);
}

/**
 * Makes one path owner-only. A path owned by someone else (a volume mounted with another owner)
 * cannot be changed: that is logged, not fatal, since Lasso can still use what it may write.
 */
function restrict(file: string, logger: StoreLogger): void {
  const { mode } = lstatSync(file);
  if ((mode & GROUP_OTHER_BITS) === 0) return;
  try {
    chmodSync(file, mode & 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    logger.warn({ file }, 'the PGlite data folder holds a path Lasso may not make owner-only');
  }
}
