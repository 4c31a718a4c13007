import { expect, it } from 'vitest';
import { consumeAuthState, createAuthState, pruneAuthStates } from './auth-states.js';
import { describeEachDatabase } from './test-support/databases.js';
import { randomHash, TEST_NOW } from './test-support/factories.js';

const minutes = (n: number): Date => new Date(TEST_NOW.getTime() + n * 60_000);

describeEachDatabase('auth states', (t) => {
  it('consumes a state once: the second use finds nothing', async () => {
    const stateHash = randomHash();
    await createAuthState(t.db.kysely, {
      stateHash,
      returnTo: '/follow/rj',
      now: TEST_NOW,
      expiresAt: minutes(10),
    });
    expect(await consumeAuthState(t.db.kysely, stateHash, minutes(1))).toEqual({
      returnTo: '/follow/rj',
    });
    expect(await consumeAuthState(t.db.kysely, stateHash, minutes(1))).toBeNull();
  });

  it('tells a state without return path from an unknown one', async () => {
    const stateHash = randomHash();
    await createAuthState(t.db.kysely, {
      stateHash,
      returnTo: null,
      now: TEST_NOW,
      expiresAt: minutes(10),
    });
    expect(await consumeAuthState(t.db.kysely, randomHash(), minutes(1))).toBeNull();
    expect(await consumeAuthState(t.db.kysely, stateHash, minutes(1))).toEqual({ returnTo: null });
  });

  it('refuses an expired state, and it cannot be used afterwards either', async () => {
    const stateHash = randomHash();
    await createAuthState(t.db.kysely, {
      stateHash,
      returnTo: '/',
      now: TEST_NOW,
      expiresAt: minutes(10),
    });
    expect(await consumeAuthState(t.db.kysely, stateHash, minutes(10))).toBeNull();
    expect(await consumeAuthState(t.db.kysely, stateHash, minutes(5))).toBeNull();
  });

  it('gives a state to only one of two concurrent consumers', async () => {
    const stateHash = randomHash();
    await createAuthState(t.db.kysely, {
      stateHash,
      returnTo: '/',
      now: TEST_NOW,
      expiresAt: minutes(10),
    });
    const results = await Promise.all([
      consumeAuthState(t.db.kysely, stateHash, minutes(1)),
      consumeAuthState(t.db.kysely, stateHash, minutes(1)),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('prunes expired states only', async () => {
    const [expired, live] = [randomHash(), randomHash()];
    const longAgo = minutes(-100_000);
    await createAuthState(t.db.kysely, {
      stateHash: expired,
      returnTo: null,
      now: longAgo,
      expiresAt: minutes(-99_990),
    });
    await createAuthState(t.db.kysely, {
      stateHash: live,
      returnTo: null,
      now: longAgo,
      expiresAt: minutes(-99_000),
    });
    expect(await pruneAuthStates(t.db.kysely, minutes(-99_500))).toBe(1);
    expect(await consumeAuthState(t.db.kysely, live, minutes(-99_500))).toEqual({ returnTo: null });
  });
});
