/**
 * Which store a configuration names, opened and migrated. `main.ts` calls it before it loads the
 * rest of the server. On the embedded store PGlite's thread is already starting (`early-store.ts`)
 * or starts here, before the store's own modules (Kysely, `pg`, the migrations) load, so PGlite's
 * start, most of an embedded start-up, runs beside everything the main thread loads meanwhile:
 * the store's modules, the HTTP stack and, in demo mode, the emulator.
 */
import type { OpeningDb, StoreLogger } from '../store/db.js';
import { embeddedSource, startPglite } from '../store/pglite-start.js';
import type { Config } from './config.js';
import { sameSource, type EarlyStore } from './early-store.js';

/**
 * Starts opening the store of `config`: an in-memory PGlite in demo mode (the emulator that
 * issued the demo accounts' keys forgets them too), else `DATABASE_URL`'s server, else PGlite in
 * `DATA_DIR`. Resolves as soon as the store's modules are loaded, to a store still opening
 * (`OpeningDb`: its `opened` says when it is open and migrated). `early` is a PGlite `main.ts`
 * started from the environment: used when it is this store, else closed.
 */
export async function openStore(
  config: Config,
  logger: StoreLogger,
  early: EarlyStore | null = null,
): Promise<OpeningDb> {
  const where = {
    ...(config.demo
      ? { url: 'memory://' }
      : config.database.url
        ? { url: config.database.url }
        : {}),
    dataDir: config.database.dataDir,
  };
  const source = embeddedSource(where);
  let pglite = early && source && sameSource(early.source, source) ? early.thread : undefined;
  if (early && !pglite) {
    logger.warn(
      { started: early.source, configured: source ?? 'a PostgreSQL server' },
      'the store started early is not the configured one: closing it',
    );
    await early.thread.then((thread) => thread.close()).catch(() => undefined);
  }
  pglite ??= source ? startPglite(source, logger) : undefined;
  // The store awaits it (and closes what it opened on failure); until then it is not unhandled.
  pglite?.catch(() => undefined);
  const { startDatabase } = await import('../store/db.js');
  return startDatabase({ ...where, logger, ...(pglite ? { pglite } : {}) });
}
