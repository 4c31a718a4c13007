/**
 * The submitter's claim on the store: a guest's rows are marked `sending` by exactly one claimer,
 * a guest with a batch in flight is neither due nor claimable, and rows past their lease are
 * claimed again only to be reconciled.
 */
import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { seededRandom } from '../../lib/random.js';
import type { LastfmApi } from '../../lastfm/types.js';
import { openDatabase, type Db } from '../../store/db.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import {
  insertAccount,
  insertFollow,
  insertOutbox,
  insertHost,
  TEST_NOW,
} from '../../store/test-support/factories.js';
import { engineConfig } from '../config.js';
import type { EngineContext } from './context.js';
import { createLeaseKeeper } from './leases.js';
import { claimGuests } from './submit-claim.js';
import { dueGuests } from '../repo/outbox.js';
import { clearEngineTables } from '../test-support/engine-rig.js';

const t0 = TEST_NOW.getTime();

function contextOn(db: Db, instanceId: string, nowMs: number): EngineContext {
  const clock = new ManualClock(nowMs);
  const ignore = (): void => undefined;
  const cfg = engineConfig();
  return {
    db,
    lastfm: {} as LastfmApi,
    clock,
    random: seededRandom(1),
    cfg,
    instanceId,
    decryptSessionKey: () => 'key',
    logger: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    metrics: undefined,
    maxConcurrency: 4,
    leases: createLeaseKeeper({ db: db.kysely, clock, instanceId, leaseMs: cfg.leaseMs }),
    now: () => new Date(clock.now()),
    crash: ignore,
    wake: ignore,
  };
}

async function otherPool(db: Db): Promise<Db> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(
    db.kysely,
  );
  const url = new URL(process.env.TEST_DATABASE_URL ?? '');
  url.pathname = `/${rows[0]?.name ?? ''}`;
  return openDatabase({ url: url.toString(), migrate: false, poolSize: 2 });
}

describeEachDatabase('submitter claims', (t) => {
  let guestId: number;
  beforeEach(async () => {
    await clearEngineTables(t.db);
    const db = t.db.kysely;
    const guest = await insertAccount(db);
    const host = await insertHost(db);
    const follow = await insertFollow(db, { guestId: guest.id, hostId: host.id });
    guestId = guest.id;
    for (const i of [1, 2, 3]) {
      await insertOutbox(
        db,
        { followId: follow.id, guestId: guest.id },
        { track: `T${i}`, timestamp: Math.floor(t0 / 1000) - 600 + i },
      );
    }
  });

  it('lets exactly one of two concurrent claimers take the guest’s batch', async () => {
    const other = t.kind === 'postgres' ? await otherPool(t.db) : t.db;
    try {
      const [a, b] = await Promise.all([
        claimGuests(contextOn(t.db, 'a', t0), [guestId]),
        claimGuests(contextOn(other, 'b', t0), [guestId]),
      ]);
      const rows = [...a.claims, ...b.claims].flatMap((c) => c.rows.map((r) => r.track));
      expect(rows.sort()).toEqual(['T1', 'T2', 'T3']);
      expect([a.claims.length, b.claims.length].sort()).toEqual([0, 1]);
    } finally {
      if (other !== t.db) await other.close();
    }
  });

  it('neither lists nor claims a guest whose batch is in flight, and reconciles it once its lease ran out', async () => {
    const first = await claimGuests(contextOn(t.db, 'a', t0), [guestId]);
    expect(first.claims.map((c) => c.kind)).toEqual(['send']);
    expect(await dueGuests(t.db.kysely, TEST_NOW, 10)).toEqual([]);
    const lease = engineConfig().leaseMs;
    expect(await claimGuests(contextOn(t.db, 'b', t0 + lease - 1), [guestId])).toEqual({
      claims: [],
      progressed: false,
      expired: 0,
    });
    const later = t0 + lease;
    expect(await dueGuests(t.db.kysely, new Date(later), 10)).toEqual([guestId]);
    const again = await claimGuests(contextOn(t.db, 'b', later), [guestId]);
    expect(again.claims.map((c) => [c.kind, c.rows.length, c.since.getTime()])).toEqual([
      ['reconcile', 3, later],
    ]);
  });
});
