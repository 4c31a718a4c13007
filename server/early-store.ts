/**
 * The embedded store's PGlite, started by `main.ts` before it loads anything else: PGlite's start
 * is most of an embedded start-up, and in its own thread it runs while the main thread compiles
 * and loads the configuration, the store's modules and the HTTP stack.
 *
 * That is before the configuration is read, so the source is a guess from the raw environment,
 * taken only where starting PGlite is harmless if the guess or the configuration turns out wrong:
 * demo mode's in-memory store, or a data folder PostgreSQL already made (a restart: opening it
 * writes nothing a crash could leave half done). A fresh folder is filled from the snapshot
 * only once the configuration is known to be valid. `openStore` uses the early thread only when
 * the configuration names the same source, and closes it otherwise.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PgliteSource } from '../store/pglite-start.js';
import { PgliteThread } from '../store/pglite-thread.js';

/** A PGlite started before the configuration was read. */
export interface EarlyStore {
  source: PgliteSource;
  thread: Promise<PgliteThread>;
}

/**
 * The embedded source the environment most likely names (as `loadConfig` reads it), or null
 * when it names a PostgreSQL server or a folder with no database in it yet.
 */
export function earlyPgliteSource(
  env: Record<string, string | undefined>,
  hasDatabase: (dir: string) => boolean = (dir) => existsSync(path.join(dir, 'PG_VERSION')),
): PgliteSource | null {
  if (env.DATABASE_URL) return null;
  if (!env.LASTFM_API_KEY && env.ENVIRONMENT !== 'production') return { dataDir: 'memory://' };
  const dataDir = env.DATA_DIR ?? './data';
  return hasDatabase(dataDir) ? { dataDir } : null;
}

/** Starts PGlite for the environment's likely source, if any (see `earlyPgliteSource`). */
export function startEarlyStore(env: Record<string, string | undefined>): EarlyStore | null {
  const source = earlyPgliteSource(env);
  if (!source) return null;
  const thread = PgliteThread.start(source, { ownArtifacts: true });
  // Awaited (or closed) by openStore; a process that exits first owes it nothing.
  thread.catch(() => undefined);
  return { source, thread };
}

/** True when two sources name the same database. */
export function sameSource(a: PgliteSource, b: PgliteSource): boolean {
  if (!('dataDir' in a) || !('dataDir' in b)) return false;
  if (a.dataDir.startsWith('memory://') || b.dataDir.startsWith('memory://')) {
    return a.dataDir === b.dataDir;
  }
  return path.resolve(a.dataDir) === path.resolve(b.dataDir);
}
