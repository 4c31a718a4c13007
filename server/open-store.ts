/**
 * Which store a configuration names, opened and migrated. `main.ts` calls it before it loads the
 * rest of the server, so the embedded database starts in its worker thread while the main thread
 * is still loading the HTTP stack (and, in demo mode, starting the emulator).
 */
import { openDatabase, type Db, type StoreLogger } from '../store/db.js';
import type { Config } from './config.js';

/**
 * Opens the store of `config`: an in-memory PGlite in demo mode (the emulator that issued the
 * demo accounts' keys forgets them too), else `DATABASE_URL`'s server, else PGlite in `DATA_DIR`.
 */
export function openStore(config: Config, logger: StoreLogger): Promise<Db> {
  return openDatabase({
    ...(config.demo
      ? { url: 'memory://' }
      : config.database.url
        ? { url: config.database.url }
        : {}),
    dataDir: config.database.dataDir,
    logger,
  });
}
