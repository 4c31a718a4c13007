/**
 * The running server's housekeeping: `startLasso` sweeps expired sign-in states, idle web
 * sessions and full rate-limit buckets when it starts and every `HOUSEKEEPING_INTERVAL_MS`, on
 * its clock, and stops sweeping when closed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { ManualClock, MINUTE_MS } from '../lib/clock.js';
import { createAuthState } from '../store/auth-states.js';
import { createMemoryBuckets, type TokenBuckets } from '../store/rate-limit.js';
import { createWebSession } from '../store/web-sessions.js';
import { loadConfig } from './config.js';
import { createLogger, memoryDestination } from './logger.js';
import { HOUSEKEEPING_INTERVAL_MS, startLasso, type Lasso } from './runtime.js';
import { SESSION_IDLE_TIMEOUT_MS } from './session-cookie.js';

let lasso: Lasso | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await lasso?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
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
  const config = loadConfig({
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
    DATA_DIR: dataDir,
  });
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
