/**
 * `openStore` with a PGlite `main.ts` started early: used when it is the configured store, closed
 * when it is not.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../store/driver.js';
import { PgliteThread } from '../store/pglite-thread.js';
import { loadConfig } from './config.js';
import { openStore } from './open-store.js';

const SECRET = { SESSION_SECRET: 'x'.repeat(64) };
/** A PGlite start takes seconds on a busy machine. */
const SLOW_MS = 120_000;
/** A `Sync` message: any request a closed thread must refuse. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

describe('openStore with a store started early', () => {
  it(
    'opens the configured store on the early thread',
    async () => {
      const early = {
        source: { dataDir: 'memory://' },
        thread: PgliteThread.start({ dataDir: 'memory://' }, { ownArtifacts: true }),
      };
      const db = await openStore(loadConfig({ ...SECRET }), silentLogger, early);
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM accounts`.execute(
        db.kysely,
      );
      expect(rows).toEqual([{ n: 0 }]);
      await db.close();
      // The store was that thread: closing it ended the thread.
      await expect((await early.thread).exec(SYNC)).rejects.toThrow(/PGlite worker exited/);
    },
    SLOW_MS,
  );

  it(
    'closes an early thread that is not the configured store and opens the right one',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'lasso-open-store-'));
      try {
        const early = {
          source: { dataDir: 'memory://' },
          thread: PgliteThread.start({ dataDir: 'memory://' }),
        };
        const config = loadConfig({
          ...SECRET,
          LASTFM_API_KEY: 'k',
          LASTFM_API_SECRET: 's',
          DATA_DIR: dir,
        });
        const db = await openStore(config, silentLogger, early);
        await expect((await early.thread).exec(SYNC)).rejects.toThrow(/PGlite worker exited/);
        await sql`SELECT 1 FROM accounts`.execute(db.kysely);
        await db.close();
        expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    SLOW_MS,
  );
});
