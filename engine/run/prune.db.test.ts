/**
 * History pruning (`historyDays`): a stopped follow whose rows all settled goes with its windows
 * and rows once its cutoff passed (never while a poll may still insert for it), events after
 * min(1 day, historyDays), hosts nobody follows; a follow with rows still to send stays.
 */
import { afterEach, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import {
  at,
  uts,
  startEngineRig,
  type EngineRig,
  type TestGuest,
} from '../test-support/engine-rig.js';

describeEachDatabase('engine: history pruning', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked());

  /** Rows left of each table for a guest (and the host row). */
  async function left(guest: TestGuest, host: string) {
    const db = t.db.kysely;
    const follows = await db
      .selectFrom('follows')
      .select('id')
      .where('guest_id', '=', guest.id)
      .execute();
    const ids = follows.map((f) => f.id);
    const count = async (table: 'follow_windows' | 'outbox'): Promise<number> =>
      ids.length === 0
        ? 0
        : (await db.selectFrom(table).select('id').where('follow_id', 'in', ids).execute()).length;
    return {
      follows: ids.length,
      windows: await count('follow_windows'),
      outbox: await count('outbox'),
      events: (
        await db.selectFrom('events').select('id').where('guest_id', '=', guest.id).execute()
      ).length,
      host: (await db.selectFrom('hosts').select('id').where('username', '=', host).execute())
        .length,
    };
  }

  /** Ann and Bob follow a host that scrobbles two tracks; Bob's key is revoked before they go out. */
  async function jam(historyDays: number) {
    rig = await startEngineRig(t.db, { config: { historyDays } });
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    const engine = rig.engine();
    await engine.startFollow(ann.id, host);
    await engine.startFollow(bob.id, host);
    await t.db.kysely
      .updateTable('accounts')
      .set({ key_state: 'revoked' })
      .where('id', '=', bob.id)
      .execute();
    rig.rig.emu.addScrobble(
      host,
      [1, 2].map((m) => ({ artist: 'P', track: `T${m}`, timestamp: uts(at(m)) })),
    );
    await rig.runUntil(engine, at(5));
    await engine.stop(ann.id);
    await engine.stop(bob.id);
    expect(rig.rig.emu.scrobbles(ann.name)).toHaveLength(2);
    return { host, ann, bob, engine };
  }

  it('with historyDays 0, deletes a finished follow once polls are done with it', async () => {
    const { host, ann, bob, engine } = await jam(0);
    // Grace (15 min), last-look retries (6 h) and re-read overlap (30 min) after the stop: a late
    // scrobble still counts, even one read after a Last.fm outage.
    const horizon = 15 + 6 * 60 + 30;
    await rig.runUntil(engine, at(5 + horizon - 1));
    expect(await left(ann, host)).toMatchObject({ follows: 1, windows: 1, outbox: 2 });
    await rig.runUntil(engine, at(5 + horizon + 2));
    expect(await left(ann, host)).toEqual({
      follows: 0,
      windows: 0,
      outbox: 0,
      events: 0,
      host: 1,
    });
    // Bob's rows wait for him to sign in again: his follow stays.
    expect(await left(bob, host)).toEqual({
      follows: 1,
      windows: 1,
      outbox: 2,
      events: 0,
      host: 1,
    });

    await t.db.kysely
      .updateTable('accounts')
      .set({ key_state: 'valid' })
      .where('id', '=', bob.id)
      .execute();
    await engine.accountReauthorized(bob.id);
    await rig.runUntil(engine, at(5 + horizon + 5));
    expect(rig.rig.emu.scrobbles(bob.name)).toHaveLength(2);
    expect(await left(bob, host)).toEqual({
      follows: 0,
      windows: 0,
      outbox: 0,
      events: 0,
      host: 0,
    });
  });

  it('by default keeps a follow 30 days after it stopped, and events a day', async () => {
    const { host, ann, engine } = await jam(30);
    await rig.runUntil(engine, at(5) + DAY_MS - MINUTE_MS);
    expect(await left(ann, host)).toMatchObject({ follows: 1, outbox: 2, host: 1 });
    expect((await left(ann, host)).events).toBeGreaterThan(0);
    await rig.runUntil(engine, at(5) + DAY_MS + 2 * MINUTE_MS);
    expect(await left(ann, host)).toMatchObject({ follows: 1, windows: 1, outbox: 2, events: 0 });
    await rig.runUntil(engine, at(5) + 30 * DAY_MS + 2 * MINUTE_MS);
    expect(await left(ann, host)).toMatchObject({ follows: 0, windows: 0, outbox: 0 });
    const history = await engine.history(ann.id);
    expect(history).toEqual([]);
  });
});
