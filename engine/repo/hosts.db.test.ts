/** Host leases: claiming due hosts, renewal, take-over of an expired lease, release at shutdown. */
import { beforeEach, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { insertHost, TEST_NOW } from '../../store/test-support/factories.js';
import { clearEngineTables } from '../test-support/engine-rig.js';
import {
  claimDueHosts,
  finishLeasedPoll,
  NEVER_POLL_AT,
  releaseLeases,
  renewLease,
  wakeHost,
} from './hosts.js';

const t0 = TEST_NOW.getTime();
const at = (minutes: number): Date => new Date(t0 + minutes * MINUTE_MS);

describeEachDatabase('host leases', (t) => {
  beforeEach(async () => clearEngineTables(t.db));

  it('claims due, unleased hosts, most overdue first, and moves their next poll to the lease end', async () => {
    const db = t.db.kysely;
    const late = await insertHost(db, { next_poll_at: at(-5) });
    const due = await insertHost(db, { next_poll_at: at(-1) });
    await insertHost(db, { next_poll_at: at(3) });
    await insertHost(db, { next_poll_at: NEVER_POLL_AT });
    await insertHost(db, { next_poll_at: at(-9), lease_owner: 'other', lease_until: at(1) });
    const claimed = await claimDueHosts(db, 'me', at(0), at(2), 10);
    expect(claimed.map((h) => h.id).sort()).toEqual([late.id, due.id].sort());
    expect(
      claimed.every((h) => h.lease_owner === 'me' && h.next_poll_at.getTime() === at(2).getTime()),
    ).toBe(true);
    expect(await claimDueHosts(db, 'you', at(0), at(2), 10)).toEqual([]);
    const [first] = await claimDueHosts(db, 'you', at(1), at(3), 1);
    expect(first?.lease_owner).toBe('you');
  });

  it('gives two instances claiming at once disjoint hosts', async () => {
    const db = t.db.kysely;
    for (let i = 0; i < 20; i++) await insertHost(db, { next_poll_at: at(-i) });
    const [a, b] = await Promise.all([
      claimDueHosts(db, 'a', at(0), at(2), 12),
      claimDueHosts(db, 'b', at(0), at(2), 12),
    ]);
    const ids = [...a, ...b].map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(20);
  });

  it('lets another instance take over an expired lease; the old owner can then neither renew nor write', async () => {
    const db = t.db.kysely;
    const host = await insertHost(db, { next_poll_at: at(0) });
    await claimDueHosts(db, 'old', at(0), at(2), 1);
    expect(await claimDueHosts(db, 'new', at(1), at(3), 1)).toEqual([]);
    const [taken] = await claimDueHosts(db, 'new', at(2), at(4), 1);
    expect(taken?.id).toBe(host.id);
    expect(await renewLease(db, host.id, 'old', at(5))).toBe(false);
    expect(await finishLeasedPoll(db, host.id, 'old', { poll_failures: 9 }, at(3))).toBe(false);
    expect(await renewLease(db, host.id, 'new', at(5))).toBe(true);
    expect(await finishLeasedPoll(db, host.id, 'new', { poll_failures: 1 }, at(6))).toBe(true);
    const row = await db
      .selectFrom('hosts')
      .selectAll()
      .where('id', '=', host.id)
      .executeTakeFirstOrThrow();
    expect([row.poll_failures, row.next_poll_at, row.lease_owner]).toEqual([1, at(6), null]);
  });

  it('keeps a wake-up made during a poll when the poll ends', async () => {
    const db = t.db.kysely;
    const woken = await insertHost(db, { next_poll_at: at(0) });
    const quiet = await insertHost(db, { next_poll_at: at(0) });
    await claimDueHosts(db, 'me', at(0), at(2), 5);
    await wakeHost(db, woken.id, at(1));
    expect(await renewLease(db, woken.id, 'me', at(4))).toBe(true);
    await finishLeasedPoll(db, woken.id, 'me', {}, NEVER_POLL_AT);
    await finishLeasedPoll(db, quiet.id, 'me', {}, NEVER_POLL_AT);
    const rows = await db.selectFrom('hosts').selectAll().orderBy('id').execute();
    expect(rows.map((h) => [h.id, h.next_poll_at])).toEqual([
      [woken.id, at(1)],
      [quiet.id, NEVER_POLL_AT],
    ]);
  });

  it('keeps a wake-up made during the lease, and releases claimed hosts as due now', async () => {
    const db = t.db.kysely;
    const woken = await insertHost(db, { next_poll_at: at(0) });
    const idle = await insertHost(db, { next_poll_at: at(0) });
    await claimDueHosts(db, 'me', at(0), at(2), 5);
    await wakeHost(db, woken.id, at(1));
    expect(await renewLease(db, woken.id, 'me', at(4))).toBe(true);
    await releaseLeases(db, 'me', at(1.5));
    const rows = await db.selectFrom('hosts').selectAll().orderBy('id').execute();
    expect(rows.map((h) => [h.id, h.next_poll_at, h.lease_owner])).toEqual([
      [woken.id, at(1), null],
      [idle.id, at(1.5), null],
    ]);
  });
});
