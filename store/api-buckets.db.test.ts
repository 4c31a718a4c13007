import type { KyselyPlugin } from 'kysely';
import { expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { createSharedBuckets, sweepApiBuckets, takeTokens } from './api-buckets.js';
import type { DbExecutor } from './schema.js';
import { describeEachDatabase, testDatabases } from './test-support/databases.js';
import { TEST_NOW, uniqueName } from './test-support/factories.js';

/** The tokens a bucket row holds, or undefined when there is no row. */
async function tokensOf(db: DbExecutor, key: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('api_rate_buckets')
    .select('tokens')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.tokens;
}

/** `db` with a count of the statements run through it, and of the most run at once. */
function counting(db: DbExecutor): {
  db: DbExecutor;
  statements: () => number;
  mostAtOnce: () => number;
} {
  let [n, running, most] = [0, 0, 0];
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      n += 1;
      running += 1;
      most = Math.max(most, running);
      return args.node;
    },
    transformResult: async (args) => {
      running -= 1;
      return args.result;
    },
  };
  return { db: db.withPlugin(plugin), statements: () => n, mostAtOnce: () => most };
}

const at = (ms: number) => new Date(TEST_NOW.getTime() + ms);

describeEachDatabase('API token buckets in the database', (t) => {
  const limit = { perSecond: 2, burst: 3 };

  it('takes a token from each bucket in order, and refuses when one is empty without charging those after it', async () => {
    const [session, ip] = [uniqueName('sid'), uniqueName('ip')];
    const takes = [
      { key: session, limit },
      { key: ip, limit: { perSecond: 10, burst: 100 } },
    ];
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await takeTokens(t.db.kysely, takes, 1, TEST_NOW));
    expect(outcomes.map((o) => o.granted)).toEqual([1, 1, 1, 0]);
    expect(outcomes[3]).toEqual({ granted: 0, refusedBy: session, retryAfterMs: 500 });
    expect(await tokensOf(t.db.kysely, session)).toBe(0);
    expect(await tokensOf(t.db.kysely, ip)).toBe(97);
  });

  it('gives a batch what the buckets have, and charges a later bucket only for what an earlier one gave', async () => {
    const [session, ip, untouched] = [uniqueName('sid'), uniqueName('ip'), uniqueName('x')];
    const roomy = { perSecond: 10, burst: 100 };
    const takes = [
      { key: session, limit },
      { key: ip, limit: roomy },
    ];
    expect(await takeTokens(t.db.kysely, takes, 5, TEST_NOW)).toEqual({
      granted: 3,
      refusedBy: session,
      retryAfterMs: 500,
    });
    expect(await tokensOf(t.db.kysely, ip)).toBe(97);
    // The IP gives 2 of 3 asked; nothing is asked of the bucket after it.
    const tight = [
      { key: uniqueName('sid'), limit },
      { key: ip, limit: { perSecond: 1, burst: 2 } },
      { key: untouched, limit: roomy },
    ];
    const outcome = await takeTokens(t.db.kysely, tight, 3, at(60_000));
    expect(outcome).toEqual({ granted: 2, refusedBy: ip, retryAfterMs: 1_000 });
    expect(await tokensOf(t.db.kysely, untouched)).toBe(98);
  });

  it('refills with elapsed time, never above the burst, and never from a slower clock', async () => {
    const key = uniqueName('bucket');
    const take = async (ms: number) =>
      (await takeTokens(t.db.kysely, [{ key, limit }], 1, at(ms))).granted;
    expect(await takeTokens(t.db.kysely, [{ key, limit }], 3, at(0))).toMatchObject({ granted: 3 });
    expect(await take(-5_000)).toBe(0);
    expect(await takeTokens(t.db.kysely, [{ key, limit }], 1, at(250))).toMatchObject({
      granted: 0,
      retryAfterMs: 250,
    });
    expect(await take(500)).toBe(1);
    expect(await take(60_500)).toBe(1);
    expect(await tokensOf(t.db.kysely, key)).toBe(2);
  });

  it('lets exactly the burst through when many requests race for one bucket', async () => {
    const key = uniqueName('room');
    const room = { perSecond: 1, burst: 10 };
    const racing = Array.from({ length: 12 }, (_, i) =>
      takeTokens(t.db.kysely, [{ key, limit: room }], 1 + (i % 2), TEST_NOW),
    );
    const granted = (await Promise.all(racing)).reduce((sum, o) => sum + o.granted, 0);
    expect(granted).toBe(10);
  });

  it('lets exactly an IP’s burst through when sessions behind it race, without deadlocks', async () => {
    const ip = { key: uniqueName('ip'), limit: { perSecond: 1, burst: 25 } };
    const signIn = { key: uniqueName('signin'), limit: { perSecond: 1, burst: 100 } };
    const racing = Array.from({ length: 40 }, (_, i) => {
      const session = { key: uniqueName('sid'), limit };
      const takes = i % 3 === 0 ? [signIn, session, ip] : [session, ip];
      return takeTokens(t.db.kysely, takes, 1 + (i % 2), TEST_NOW);
    });
    const granted = (await Promise.all(racing)).reduce((sum, o) => sum + o.granted, 0);
    expect(granted).toBe(25);
    expect(await tokensOf(t.db.kysely, ip.key)).toBe(0);
  });

  it('sweeps the buckets that are full again, and only those', async () => {
    const [old, busy] = [uniqueName('old'), uniqueName('busy')];
    await takeTokens(t.db.kysely, [{ key: old, limit }], 1, at(0));
    await takeTokens(t.db.kysely, [{ key: busy, limit }], 3, at(0));
    // One token back in 0.5 s, three in 1.5 s.
    await sweepApiBuckets(t.db.kysely, at(500));
    expect(await tokensOf(t.db.kysely, old)).toBeUndefined();
    expect(await tokensOf(t.db.kysely, busy)).toBe(0);
    await sweepApiBuckets(t.db.kysely, at(1_500));
    expect(await tokensOf(t.db.kysely, busy)).toBeUndefined();
  });

  it('shares one budget between instances, each request costing at most one statement', async () => {
    const clock = new ManualClock(TEST_NOW.getTime() + 3_600_000);
    const count = counting(t.db.kysely);
    const a = createSharedBuckets({ db: count.db, clock });
    const b = createSharedBuckets({ db: count.db, clock });
    const takes = [
      { key: uniqueName('sid'), limit },
      { key: uniqueName('ip'), limit: { perSecond: 10, burst: 100 } },
    ];
    const verdicts = [await a.take(takes), await b.take(takes), await a.take(takes)];
    expect(verdicts).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(await b.take(takes)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(count.statements()).toBe(4);
  });

  it('sends requests that wait for one client’s buckets together, in one statement', async () => {
    const clock = new ManualClock(TEST_NOW.getTime() + 7_200_000);
    const count = counting(t.db.kysely);
    const buckets = createSharedBuckets({ db: count.db, clock });
    const takes = [{ key: uniqueName('sid'), limit: { perSecond: 1, burst: 5 } }];
    const verdicts = await Promise.all(Array.from({ length: 8 }, async () => buckets.take(takes)));
    // The first goes alone; the seven that came meanwhile go together.
    expect(count.statements()).toBe(2);
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(verdicts.slice(5)).toEqual(Array(3).fill({ allowed: false, retryAfterMs: 1_000 }));
  });

  it('runs at most maxInFlight takes at once, the other clients waiting their turn', async () => {
    const clock = new ManualClock(TEST_NOW.getTime() + 14_400_000);
    const count = counting(t.db.kysely);
    const buckets = createSharedBuckets({ db: count.db, clock, maxInFlight: 2 });
    const ip = { key: uniqueName('ip'), limit: { perSecond: 1, burst: 100 } };
    const clients = Array.from({ length: 6 }, () => [{ key: uniqueName('sid'), limit }, ip]);
    const verdicts = await Promise.all(
      clients.flatMap((takes) => [0, 1, 2, 3].map(async () => buckets.take(takes))),
    );
    // Two clients' first requests go at once, alone; their next three wait and go together;
    // the four other clients wait their turn with all four requests: 2 × 2 + 4 statements.
    expect(count.mostAtOnce()).toBe(2);
    expect(count.statements()).toBe(8);
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(6 * 3);
    expect(await tokensOf(t.db.kysely, ip.key)).toBe(100 - 18);
  });

  it('refuses from memory, with no statement, until an empty bucket’s next token is due', async () => {
    const clock = new ManualClock(TEST_NOW.getTime() + 10_800_000);
    const count = counting(t.db.kysely);
    const buckets = createSharedBuckets({ db: count.db, clock });
    const takes = [{ key: uniqueName('sid'), limit: { perSecond: 1, burst: 1 } }];
    expect(await buckets.take(takes)).toEqual({ allowed: true });
    expect(await buckets.take(takes)).toEqual({ allowed: false, retryAfterMs: 1_000 });
    const statements = count.statements();
    await clock.advance(400);
    for (let i = 0; i < 100; i++) {
      expect(buckets.take(takes)).toEqual({ allowed: false, retryAfterMs: 600 });
    }
    expect(count.statements()).toBe(statements);
    await clock.advance(600);
    expect(await buckets.take(takes)).toEqual({ allowed: true });
  });

  it('falls back to memory when the database fails, and reports it once a minute', async () => {
    const entry = testDatabases().find((d) => d.name === t.kind)!;
    const dead = await entry.open();
    await dead.close();
    const clock = new ManualClock();
    const reported: unknown[] = [];
    const buckets = createSharedBuckets({
      db: dead.kysely,
      clock,
      onError: (err) => reported.push(err),
    });
    const takes = [{ key: 'sid:x', limit: { perSecond: 1, burst: 2 } }];
    expect([await buckets.take(takes), await buckets.take(takes)]).toEqual([
      { allowed: true },
      { allowed: true },
    ]);
    expect(await buckets.take(takes)).toEqual({ allowed: false, retryAfterMs: 1_000 });
    expect(reported).toHaveLength(1);
    await clock.advance(60_000);
    await buckets.take(takes);
    expect(reported).toHaveLength(2);
  });
});
