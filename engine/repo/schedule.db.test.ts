/** `nextWorkDue`: the earliest host poll or outbox step, as one query. */
import { beforeEach, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import {
  insertAccount,
  insertFollow,
  insertHost,
  insertOutbox,
  TEST_NOW,
} from '../../store/test-support/factories.js';
import { clearEngineTables } from '../test-support/engine-rig.js';
import { NEVER_POLL_AT } from './hosts.js';
import { nextWorkDue } from './schedule.js';

const t0 = TEST_NOW.getTime();
const at = (minutes: number): Date => new Date(t0 + minutes * MINUTE_MS);

describeEachDatabase('nextWorkDue', (t) => {
  beforeEach(async () => clearEngineTables(t.db));

  /** A guest following an idle host (never polled), so only the outbox decides. */
  async function guest(keyState: 'valid' | 'revoked' = 'valid') {
    const db = t.db.kysely;
    const account = await insertAccount(db, { key_state: keyState });
    const host = await insertHost(db, { next_poll_at: NEVER_POLL_AT });
    const follow = await insertFollow(db, { guestId: account.id, hostId: host.id });
    return { followId: follow.id, guestId: account.id };
  }

  it('is null with nothing scheduled', async () => {
    await guest();
    expect(await nextWorkDue(t.db.kysely)).toBeNull();
  });

  it('is the earliest pending row of a guest with a working key and no batch in flight', async () => {
    const db = t.db.kysely;
    const busy = await guest();
    const revoked = await guest('revoked');
    const ready = await guest();
    // Earlier rows that must not count: a guest with a batch in flight, a revoked key.
    await insertOutbox(db, busy, { next_attempt_at: at(1), timestamp: 1 });
    await insertOutbox(db, busy, {
      state: 'sending',
      sending_since: at(0),
      next_attempt_at: at(30),
      timestamp: 2,
    });
    await insertOutbox(db, revoked, { next_attempt_at: at(2), timestamp: 3 });
    for (const [minutes, ts] of [
      [9, 4],
      [5, 5],
      [7, 6],
    ] as const) {
      await insertOutbox(db, ready, { next_attempt_at: at(minutes), timestamp: ts });
    }
    expect((await nextWorkDue(db))?.getTime()).toBe(at(5).getTime());
    // The sending lease's check is work too, once it comes before the pending rows.
    await db
      .updateTable('outbox')
      .set({ next_attempt_at: at(4) })
      .where('state', '=', 'sending')
      .execute();
    expect((await nextWorkDue(db))?.getTime()).toBe(at(4).getTime());
  });

  it('takes a host poll when it comes first, and a leased host not before its lease ends', async () => {
    const db = t.db.kysely;
    const ready = await guest();
    await insertOutbox(db, ready, { next_attempt_at: at(10) });
    await insertHost(db, { next_poll_at: at(-3), lease_owner: 'other', lease_until: at(6) });
    expect((await nextWorkDue(db))?.getTime()).toBe(at(6).getTime());
    await insertHost(db, { next_poll_at: at(2) });
    expect((await nextWorkDue(db))?.getTime()).toBe(at(2).getTime());
  });
});
