import { expect, it } from 'vitest';
import type { NewOutbox } from './schema.js';
import { describeEachDatabase } from './test-support/databases.js';
import { insertAccount, insertFollow, insertHost, TEST_NOW } from './test-support/factories.js';
import type { DatabaseContext } from './test-support/databases.js';

async function followWithGuest(t: DatabaseContext) {
  const guest = await insertAccount(t.db.kysely);
  const host = await insertHost(t.db.kysely);
  const follow = await insertFollow(t.db.kysely, { guestId: guest.id, hostId: host.id });
  return { guest, host, follow };
}

function outboxRow(
  followId: number,
  guestId: number,
  overrides: Partial<NewOutbox> = {},
): NewOutbox {
  return {
    follow_id: followId,
    guest_id: guestId,
    artist: 'Daft Punk',
    track: 'Digital Love',
    album: 'Discovery',
    timestamp: 1_767_636_000,
    state: 'pending',
    next_attempt_at: TEST_NOW,
    created_at: TEST_NOW,
    ...overrides,
  };
}

describeEachDatabase('schema constraints', (t) => {
  it('rejects a second outbox row for the same follow, timestamp, artist and track', async () => {
    const { guest, follow } = await followWithGuest(t);
    await t.db.kysely.insertInto('outbox').values(outboxRow(follow.id, guest.id)).execute();
    await expect(
      t.db.kysely
        .insertInto('outbox')
        .values(outboxRow(follow.id, guest.id, { album: 'another album' }))
        .execute(),
    ).rejects.toThrow(/outbox_follow_scrobble_key/);
  });

  it('inserts nothing for a duplicate outbox row with ON CONFLICT DO NOTHING, and keeps distinct ones', async () => {
    const { guest, follow } = await followWithGuest(t);
    const insert = (rows: NewOutbox[]) =>
      t.db.kysely
        .insertInto('outbox')
        .values(rows)
        .onConflict((oc) => oc.columns(['follow_id', 'timestamp', 'artist', 'track']).doNothing())
        .returning('id')
        .execute();
    expect(await insert([outboxRow(follow.id, guest.id)])).toHaveLength(1);
    const again = await insert([
      outboxRow(follow.id, guest.id),
      outboxRow(follow.id, guest.id, { timestamp: 1_767_636_240 }),
    ]);
    expect(again).toHaveLength(1);
    const rows = await t.db.kysely
      .selectFrom('outbox')
      .select('timestamp')
      .where('follow_id', '=', follow.id)
      .orderBy('timestamp')
      .execute();
    expect(rows.map((r) => r.timestamp)).toEqual([1_767_636_000, 1_767_636_240]);
  });

  it('allows one open follow per guest, and any number of stopped ones', async () => {
    const { guest } = await followWithGuest(t);
    const otherHost = await insertHost(t.db.kysely);
    await expect(
      insertFollow(
        t.db.kysely,
        { guestId: guest.id, hostId: otherHost.id },
        { state: 'paused', pause_reason: 'user' },
      ),
    ).rejects.toThrow(/follows_one_open_per_guest_idx/);
    const stopped = { state: 'stopped', stop_reason: 'switched', stopped_at: TEST_NOW } as const;
    await insertFollow(t.db.kysely, { guestId: guest.id, hostId: otherHost.id }, stopped);
    await insertFollow(t.db.kysely, { guestId: guest.id, hostId: otherHost.id }, stopped);
  });

  it('lets a guest follow anew once the open follow is stopped', async () => {
    const { guest, follow } = await followWithGuest(t);
    await t.db.kysely
      .updateTable('follows')
      .set({ state: 'stopped', stop_reason: 'stopped_by_user', stopped_at: TEST_NOW })
      .where('id', '=', follow.id)
      .execute();
    const next = await insertFollow(t.db.kysely, { guestId: guest.id, hostId: follow.host_id });
    expect(next.state).toBe('active');
  });

  it('refuses a stopped follow without a reason and a paused one without a pause reason', async () => {
    const guest = await insertAccount(t.db.kysely);
    const host = await insertHost(t.db.kysely);
    const ids = { guestId: guest.id, hostId: host.id };
    await expect(
      insertFollow(t.db.kysely, ids, { state: 'stopped', stopped_at: TEST_NOW }),
    ).rejects.toThrow(/follows_stopped_ck/);
    await expect(insertFollow(t.db.kysely, ids, { state: 'paused' })).rejects.toThrow(
      /follows_paused_ck/,
    );
  });

  it('refuses an unknown stop reason and an unknown outbox state', async () => {
    const { guest, follow } = await followWithGuest(t);
    await expect(
      t.db.kysely
        .updateTable('follows')
        // @ts-expect-error: not a StopReason — the database refuses it too
        .set({ state: 'stopped', stop_reason: 'bored', stopped_at: TEST_NOW })
        .where('id', '=', follow.id)
        .execute(),
    ).rejects.toThrow(/check constraint/);
    await expect(
      t.db.kysely
        .insertInto('outbox')
        // @ts-expect-error: not an OutboxState
        .values(outboxRow(follow.id, guest.id, { state: 'lost' }))
        .execute(),
    ).rejects.toThrow(/check constraint/);
  });

  it('keeps a follow to one open window', async () => {
    const { follow } = await followWithGuest(t);
    const open = { follow_id: follow.id, opened_at: TEST_NOW };
    await t.db.kysely.insertInto('follow_windows').values(open).execute();
    await expect(t.db.kysely.insertInto('follow_windows').values(open).execute()).rejects.toThrow(
      /follow_windows_one_open_idx/,
    );
  });

  it('deletes an account with its sessions, follows, windows, outbox rows and events', async () => {
    const { guest, follow } = await followWithGuest(t);
    await t.db.kysely.insertInto('outbox').values(outboxRow(follow.id, guest.id)).execute();
    await t.db.kysely
      .insertInto('follow_windows')
      .values({ follow_id: follow.id, opened_at: TEST_NOW })
      .execute();
    await t.db.kysely
      .insertInto('events')
      .values({ guest_id: guest.id, type: 'started', payload: {}, created_at: TEST_NOW })
      .execute();
    await t.db.kysely.deleteFrom('accounts').where('id', '=', guest.id).execute();
    const left = await Promise.all([
      t.db.kysely.selectFrom('follows').select('id').where('guest_id', '=', guest.id).execute(),
      t.db.kysely
        .selectFrom('follow_windows')
        .select('id')
        .where('follow_id', '=', follow.id)
        .execute(),
      t.db.kysely.selectFrom('outbox').select('id').where('guest_id', '=', guest.id).execute(),
      t.db.kysely.selectFrom('events').select('id').where('guest_id', '=', guest.id).execute(),
    ]);
    expect(left.map((rows) => rows.length)).toEqual([0, 0, 0, 0]);
  });
});
