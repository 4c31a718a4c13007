/**
 * PGlite in its worker thread: statements run off the main thread's event loop, the worker ends
 * on close, and an unclosed database does not keep a process alive.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { PgliteThread } from './pglite-thread.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Start-up through tsx and PGlite takes seconds on a busy machine. */
const SLOW_MS = 120_000;

describe('PGlite in a worker thread', () => {
  it(
    'keeps the event loop turning while a long statement runs',
    async () => {
      const db = await openDatabase({ url: 'memory://', migrate: false });
      try {
        let turns = 0;
        let running = true;
        const spin = (): void => {
          turns += 1;
          if (running) setImmediate(spin);
        };
        setImmediate(spin);
        const before = turns;
        // Hundreds of milliseconds of work inside WebAssembly, in one statement.
        const result = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM generate_series(1, 2000000) g
          WHERE md5(g::text) LIKE '0%'`.execute(db.kysely);
        running = false;
        expect(result.rows[0]?.n).toBeGreaterThan(0);
        // In the main thread the statement would block every turn until it finished.
        expect(turns - before).toBeGreaterThan(10);
      } finally {
        await db.close();
      }
    },
    SLOW_MS,
  );

  it(
    'opens a database on a thread its caller started, and closes that thread with it',
    async () => {
      const thread = PgliteThread.start({ dataDir: 'memory://' });
      const db = await openDatabase({ url: 'memory://', pglite: thread, migrate: false });
      const { rows } = await sql<{ n: number }>`SELECT 41 + 1 AS n`.execute(db.kysely);
      expect(rows[0]?.n).toBe(42);
      await db.close();
      // The database ran on that thread: closing it ended the thread.
      await expect((await thread).exec(new Uint8Array([0x53, 0, 0, 0, 4]))).rejects.toThrow(
        /PGlite worker exited/,
      );
    },
    SLOW_MS,
  );

  it(
    'ends the worker on close: a request afterwards fails',
    async () => {
      const thread = await PgliteThread.start({ dataDir: 'memory://' });
      await thread.close();
      await expect(thread.exec(new Uint8Array([0x53, 0, 0, 0, 4]))).rejects.toThrow(
        /PGlite worker exited/,
      );
    },
    SLOW_MS,
  );

  it(
    'lets a process that never closes its database exit once its queries are answered',
    async () => {
      const script = `
        import { openDatabase } from './store/db.ts';
        const db = await openDatabase({ url: 'memory://', migrate: false });
        const [row] = await db.kysely.selectNoFrom((eb) => eb.val(41).as('n')).execute();
        console.log('answered', Number(row.n) + 1);`;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: ROOT, timeout: SLOW_MS - 10_000 },
      );
      expect(stdout).toContain('answered 42');
    },
    SLOW_MS,
  );
});
