/**
 * Short leases kept alive while work runs: the holder's renewals keep another instance off a host
 * or a batch in flight for as long as it takes; once renewals stop (a crash), the work is free to
 * take over within one lease.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LastfmApi } from '../../lastfm/types.js';
import { ManualClock, SECOND_MS, flushEventLoop } from '../../lib/clock.js';
import type { DbExecutor } from '../../store/schema.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import {
  insertAccount,
  insertFollow,
  insertOutbox,
  insertHost,
  TEST_NOW,
} from '../../store/test-support/factories.js';
import { defaultEngineConfig } from '../config.js';
import { createLeaseKeeper, renewHostLeases, renewRowLeases } from './leases.js';
import { claimDueHosts, NEVER_POLL_AT, wakeHost } from '../repo/hosts.js';
import { dueGuests } from '../repo/outbox.js';
import { clearEngineTables, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

const t0 = TEST_NOW.getTime();
const LEASE = defaultEngineConfig.leaseMs;
const at = (ms: number): Date => new Date(t0 + ms);

async function hostLease(db: DbExecutor, id: number) {
  return db
    .selectFrom('hosts')
    .select(['lease_owner', 'lease_until', 'next_poll_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** A guest with one row `sending` since `since`, its lease ending at `until`. */
async function sendingRow(db: DbExecutor, since: Date, until: Date) {
  const guest = await insertAccount(db);
  const host = await insertHost(db, { next_poll_at: NEVER_POLL_AT });
  const follow = await insertFollow(db, { guestId: guest.id, hostId: host.id });
  const row = await insertOutbox(
    db,
    { followId: follow.id, guestId: guest.id },
    {
      timestamp: Math.floor(t0 / 1000) - 60,
      state: 'sending',
      sending_since: since,
      next_attempt_at: until,
      created_at: since,
    },
  );
  return { guest, row };
}

async function rowLease(db: DbExecutor, id: number): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select('next_attempt_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return r.next_attempt_at.getTime();
}

/** Waits (event-loop turns, not time) until the keeper's loop has moved both leases to `until`. */
async function renewedBy(db: DbExecutor, hostId: number, rowId: number, until: number) {
  for (let turn = 0; turn < 500; turn++) {
    const host = await hostLease(db, hostId);
    if (host.lease_until?.getTime() === until && (await rowLease(db, rowId)) === until) return;
    await flushEventLoop();
  }
  throw new Error(`leases not renewed to ${new Date(until).toISOString()}`);
}

describeEachDatabase('leases kept alive while work runs', (t) => {
  beforeEach(async () => clearEngineTables(t.db));

  it('defaults to a lease short enough to take over a crashed poll within 30 s', () => {
    expect(LEASE).toBeLessThanOrEqual(20 * SECOND_MS);
    // What is left after a late renewal still covers the wait before a reconcile looks.
    expect(LEASE * 0.75).toBeGreaterThanOrEqual(defaultEngineConfig.reconcileDelayMs);
  });

  it('renews only host leases this instance holds, never shortens one, and keeps a wake-up', async () => {
    const db = t.db.kysely;
    const mine = await insertHost(db, { next_poll_at: at(0) });
    const woken = await insertHost(db, { next_poll_at: at(0) });
    const theirs = await insertHost(db, { next_poll_at: at(0) });
    await claimDueHosts(db, 'me', at(0), at(LEASE), 2);
    await claimDueHosts(db, 'you', at(0), at(LEASE), 1);
    await wakeHost(db, woken.id, at(1000));
    const ids = [mine.id, woken.id, theirs.id];
    expect(await renewHostLeases(db, ids, 'me', at(LEASE + 5000))).toBe(2);
    expect(await hostLease(db, mine.id)).toMatchObject({
      lease_owner: 'me',
      lease_until: at(LEASE + 5000),
      next_poll_at: at(LEASE + 5000),
    });
    expect((await hostLease(db, woken.id)).next_poll_at).toEqual(at(1000));
    expect((await hostLease(db, theirs.id)).lease_until).toEqual(at(LEASE));
    expect(await renewHostLeases(db, ids, 'me', at(LEASE))).toBe(0);
    expect((await hostLease(db, mine.id)).lease_until).toEqual(at(LEASE + 5000));
  });

  it('renews only rows still sending under the claim that marked them', async () => {
    const db = t.db.kysely;
    const a = await sendingRow(db, at(0), at(LEASE));
    const b = await sendingRow(db, at(0), at(LEASE));
    const renewed = await renewRowLeases(
      db,
      [a.row.id, b.row.id],
      [at(0), at(-1000)], // b was marked again since: the old claim must not touch it
      at(LEASE + 5000),
    );
    expect(renewed).toBe(1);
    expect(await rowLease(db, a.row.id)).toBe(t0 + LEASE + 5000);
    expect(await rowLease(db, b.row.id)).toBe(t0 + LEASE);
  });

  it('keeps a held host and batch from another instance for as long as renewals come, then frees them within one lease', async () => {
    const db = t.db.kysely;
    const clock = new ManualClock(t0);
    const keeper = createLeaseKeeper({ db, clock, instanceId: 'me', leaseMs: LEASE });
    const host = await insertHost(db, { next_poll_at: at(0) });
    await claimDueHosts(db, 'me', at(0), at(LEASE), 1);
    const { guest, row } = await sendingRow(db, at(0), at(LEASE));
    const releaseHost = keeper.holdHosts([host.id]);
    keeper.holdRows([row.id], at(0));

    const running = new AbortController();
    const kept = keeper.run(running.signal, (err) => {
      throw err;
    });
    // Five leases of work: another instance finds nothing to take at any point.
    for (let step = 0; step < 20; step++) {
      await clock.advance(LEASE / 4);
      await renewedBy(db, host.id, row.id, clock.now() + LEASE);
      const now = new Date(clock.now());
      expect(await claimDueHosts(db, 'other', now, new Date(clock.now() + LEASE), 5)).toEqual([]);
      expect(await dueGuests(db, now, 10)).not.toContain(guest.id);
    }
    // The holder dies: no more renewals.
    running.abort();
    await kept;
    const died = clock.now();
    await clock.advance(LEASE - 1);
    expect(
      await claimDueHosts(db, 'other', new Date(clock.now()), at(died + 2 * LEASE), 5),
    ).toEqual([]);
    await clock.advance(1);
    const now = new Date(clock.now());
    const [taken] = await claimDueHosts(db, 'other', now, new Date(now.getTime() + LEASE), 5);
    expect(taken?.id).toBe(host.id);
    expect(await dueGuests(db, now, 10)).toContain(guest.id);

    // A released hold is not renewed.
    releaseHost();
    await keeper.renew();
    expect((await hostLease(db, host.id)).lease_owner).toBe('other');
  });
});

/** A few real milliseconds: PostgreSQL answers in real time while the test's clock jumps. */
const realPause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** Waits (real time, briefly) until every host lease ends after `after`. */
async function leaseAhead(db: DbExecutor, after: number): Promise<void> {
  for (let turn = 0; turn < 200; turn++) {
    const hosts = await db.selectFrom('hosts').select('lease_until').execute();
    if (hosts.every((h) => (h.lease_until?.getTime() ?? 0) > after)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the lease was not renewed');
}

describeEachDatabase('engine: a slow poll keeps its host', (t) => {
  let rig: EngineRig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  it('renews the lease of a poll Last.fm takes minutes to answer, so no other instance polls that host meanwhile', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const guest = await rig.guest();
    let gate: (() => void) | null = null;
    const lastfmA: LastfmApi = {
      ...rig.lastfm,
      async getRecentTracks(query) {
        if (gate === null && query.user === host)
          await new Promise<void>((resolve) => (gate = resolve));
        return rig!.lastfm.getRecentTracks(query);
      },
    };
    const polledByB: string[] = [];
    const lastfmB: LastfmApi = {
      ...rig.lastfm,
      getRecentTracks(query) {
        polledByB.push(query.user);
        return rig!.lastfm.getRecentTracks(query);
      },
    };
    const a = rig.engine({ lastfm: rig.lastfm });
    await a.startFollow(guest.id, host);
    const slowA = rig.engine({ lastfm: lastfmA });
    const b = rig.engine({ lastfm: lastfmB });
    const clock = rig.rig.clock;
    // A claims the host when its next poll is due, and waits on Last.fm.
    const running = new AbortController();
    const loop = slowA.run(running.signal);
    for (let second = 0; second < 120 && gate === null; second++) {
      await clock.advance(SECOND_MS);
      await realPause();
    }
    expect(gate).not.toBeNull();
    for (let step = 0; step < 12; step++) {
      await clock.advance(LEASE / 4);
      await realPause();
      // The store answers in real time while this clock jumps: let the renewal land first.
      await leaseAhead(t.db.kysely, clock.now() + LEASE / 2);
      await b.runDue();
    }
    expect(polledByB).toEqual([]);
    // Last.fm answers at last; A finishes (its calls wait on this clock too) and stops.
    (gate as unknown as () => void)();
    running.abort();
    let stopped = false;
    void loop.then(() => (stopped = true));
    for (let second = 0; second < 600 && !stopped; second++) {
      await clock.advance(SECOND_MS);
      await realPause();
    }
    expect(stopped).toBe(true);
    await slowA.shutdown();
  });
});
