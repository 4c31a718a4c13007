/**
 * The running server's start and housekeeping: `startLasso` builds the app while the store opens
 * and listens only once it is open (and fails whole if it never opens); it sweeps expired sign-in
 * states, idle web sessions and full rate-limit buckets when it starts and every
 * `HOUSEKEEPING_INTERVAL_MS`, on its clock, and stops sweeping when closed; on PGlite it runs
 * the store's autovacuum every `AUTOVACUUM_NAPTIME_MS` and checkpoints it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { ManualClock, MINUTE_MS } from '../lib/clock.js';
import { sql } from 'kysely';
import { AUTOVACUUM_NAPTIME_MS } from '../store/autovacuum.js';
import { CHECKPOINT_TIMEOUT_MS } from '../store/checkpoint.js';
import { createAuthState } from '../store/auth-states.js';
import { startDatabase, type OpeningDb } from '../store/db.js';
import { createMemoryBuckets, type TokenBuckets } from '../store/rate-limit.js';
import { createWebSession } from '../store/web-sessions.js';
import { loadConfig } from './config.js';
import { createLogger, memoryDestination } from './logger.js';
import { HOUSEKEEPING_INTERVAL_MS, startLasso, type Lasso } from './runtime.js';
import { SESSION_IDLE_TIMEOUT_MS } from './session-cookie.js';

const TEST_ENV = {
  ENVIRONMENT: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  PUBLIC_URL: 'http://127.0.0.1:8080',
  LASTFM_API_KEY: 'K',
  LASTFM_API_SECRET: 'S',
  // Never called: nobody follows anyone here.
  LASTFM_API_URL: 'http://127.0.0.1:9/2.0/',
  LASTFM_AUTH_URL: 'http://127.0.0.1:9/api/auth/',
  SESSION_SECRET: 'a-runtime-test-session-secret-of-40+chars',
};

let lasso: Lasso | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await lasso?.close();
  lasso = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** Memory buckets whose sweeps are counted. */
function watchedBuckets(clock: ManualClock): TokenBuckets & { sweeps: number } {
  const inner = createMemoryBuckets({ clock });
  const watched = {
    sweeps: 0,
    take: inner.take,
    async sweep() {
      watched.sweeps += 1;
      return inner.sweep();
    },
  };
  return watched;
}

it('sweeps sign-in states, idle sessions and rate-limit buckets at start and every interval', async () => {
  const clock = new ManualClock();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lasso-runtime-'));
  const config = loadConfig({ ...TEST_ENV, DATA_DIR: dataDir });
  const buckets = watchedBuckets(clock);
  lasso = await startLasso(config, {
    logger: createLogger(config, memoryDestination()),
    clock,
    tokenBuckets: buckets,
  });
  await vi.waitFor(() => expect(buckets.sweeps).toBe(1));

  const db = lasso.db.kysely;
  const now = new Date(clock.now());
  const account = await db
    .insertInto('accounts')
    .values({ username: 'maya', key_state: 'revoked', created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await createAuthState(db, {
    stateHash: Buffer.alloc(32, 1),
    returnTo: null,
    now,
    expiresAt: new Date(clock.now() + MINUTE_MS),
  });
  // One session falls idle before the next sweep, one does not.
  const idleSoon = new Date(clock.now() - SESSION_IDLE_TIMEOUT_MS + 5 * MINUTE_MS);
  await createWebSession(db, { idHash: Buffer.alloc(32, 2), accountId: account.id, now: idleSoon });
  await createWebSession(db, { idHash: Buffer.alloc(32, 3), accountId: account.id, now });
  const count = async (table: 'auth_states' | 'web_sessions') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  expect([await count('auth_states'), await count('web_sessions')]).toEqual([1, 2]);

  await clock.advance(HOUSEKEEPING_INTERVAL_MS);
  await vi.waitFor(() => expect(buckets.sweeps).toBe(2));
  await vi.waitFor(async () => expect(await count('auth_states')).toBe(0));
  expect(await count('web_sessions')).toBe(1);

  const before = buckets.sweeps;
  await lasso.close();
  lasso = undefined;
  await clock.advance(2 * HOUSEKEEPING_INTERVAL_MS);
  expect(buckets.sweeps).toBe(before);
}, 60_000);

/** Lasso on a scratch embedded store (PGlite in `DATA_DIR`) on `clock`; closed after the test. */
async function startEmbedded(clock: ManualClock): Promise<Lasso> {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lasso-runtime-'));
  const config = loadConfig({ ...TEST_ENV, DATA_DIR: dataDir });
  lasso = await startLasso(config, {
    logger: createLogger(config, memoryDestination()),
    clock,
    tokenBuckets: createMemoryBuckets({ clock }),
  });
  return lasso;
}

it("runs the embedded store's autovacuum every naptime, on its clock", async () => {
  const clock = new ManualClock();
  const db = (await startEmbedded(clock)).db.kysely;
  const now = new Date(clock.now());
  await db
    .insertInto('accounts')
    .values(
      Array.from({ length: 60 }, (_, i) => ({
        username: `guest_${i}`,
        key_state: 'revoked' as const,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  const analysed = async () =>
    (
      await sql<{ at: Date | null }>`
        SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'accounts'`.execute(db)
    ).rows[0]!.at;
  expect(await analysed()).toBeNull();
  await clock.advance(AUTOVACUUM_NAPTIME_MS);
  await vi.waitFor(async () => expect(await analysed()).not.toBeNull());
}, 60_000);

it('checkpoints the embedded store every five minutes while it is written to', async () => {
  const clock = new ManualClock();
  const db = (await startEmbedded(clock)).db.kysely;
  const redo = async () =>
    (
      await sql<{
        redo: string;
      }>`SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()`.execute(db)
    ).rows[0]!.redo;
  const now = new Date(clock.now());
  await db
    .insertInto('accounts')
    .values({ username: 'maya', key_state: 'revoked', created_at: now, updated_at: now })
    .execute();
  const before = await redo();
  // Minute by minute, each time until every loop sleeps again: a look that wakes at one minute
  // reads the clock then, not after a jump of five.
  let sleeping = clock.pending;
  for (let t = 0; t < CHECKPOINT_TIMEOUT_MS; t += MINUTE_MS) {
    await clock.advance(MINUTE_MS);
    await vi.waitFor(() => expect(clock.pending).toBeGreaterThanOrEqual(sleeping));
    sleeping = clock.pending;
  }
  await vi.waitFor(async () => expect(await redo()).not.toBe(before));
}, 60_000);

/** An in-memory store whose `opened` waits, after the real one's, for `gate()`. */
function gatedStore(gate: () => Promise<void>): { store: OpeningDb; real: OpeningDb } {
  const real = startDatabase({ url: 'memory://' });
  return { real, store: { ...real, opened: real.opened.then(gate) } };
}

it('listens only once its store is open and migrated', async () => {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { store, real } = gatedStore(() => gate);
  const config = loadConfig(TEST_ENV);
  const started = startLasso(config, {
    logger: createLogger(config, memoryDestination()),
    store: Promise.resolve(store),
  });
  let listening = false;
  void started.then(() => (listening = true));
  await real.opened;
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(listening).toBe(false);

  open();
  lasso = await started;
  const res = await fetch(`${lasso.url}/readyz`);
  expect(res.status).toBe(200);
}, 60_000);

it('fails whole, closing its store, when the store never opens', async () => {
  const failure = new Error('migration 999_broken failed: boom');
  const { store, real } = gatedStore(() => Promise.reject(failure));
  const config = loadConfig(TEST_ENV);
  await expect(
    startLasso(config, {
      logger: createLogger(config, memoryDestination()),
      store: Promise.resolve(store),
    }),
  ).rejects.toBe(failure);
  await expect(real.ping()).rejects.toThrow();
}, 60_000);
