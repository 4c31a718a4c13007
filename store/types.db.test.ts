import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDatabase } from './test-support/databases.js';
import { insertAccount, insertFollow, insertHost, TEST_NOW } from './test-support/factories.js';

describeEachDatabase('column types', (t) => {
  it('returns bigint columns as JS numbers and timestamptz as Date', async () => {
    const guest = await insertAccount(t.db.kysely);
    const host = await insertHost(t.db.kysely, { newest_seen_uts: 1_767_636_000 });
    const follow = await insertFollow(t.db.kysely, { guestId: guest.id, hostId: host.id });
    const row = await t.db.kysely
      .insertInto('outbox')
      .values({
        follow_id: follow.id,
        guest_id: guest.id,
        artist: 'Björk',
        track: 'Jóga',
        album: 'Homogenic',
        timestamp: 1_767_636_123,
        state: 'pending',
        next_attempt_at: TEST_NOW,
        created_at: TEST_NOW,
      })
      .returningAll()
      .executeTakeFirstOrThrow();

    expect(typeof row.id).toBe('number');
    expect(row.follow_id).toBe(follow.id);
    expect(row.timestamp).toBe(1_767_636_123);
    expect(row.next_attempt_at).toBeInstanceOf(Date);
    expect(row.next_attempt_at.getTime()).toBe(TEST_NOW.getTime());
    const readBack = await t.db.kysely
      .selectFrom('hosts')
      .select(['newest_seen_uts', 'created_at'])
      .where('id', '=', host.id)
      .executeTakeFirstOrThrow();
    expect(readBack.newest_seen_uts).toBe(1_767_636_000);
    expect(readBack.created_at).toEqual(TEST_NOW);
  });

  it('returns count(*), bigint arrays and bigint expressions as numbers', async () => {
    const { rows } = await sql<{ n: number; arr: (number | null)[]; big: number }>`
      SELECT count(*) AS n, ARRAY[1, NULL, 9007199254740991]::bigint[] AS arr,
             (2::bigint ^ 40)::bigint AS big`.execute(t.db.kysely);
    expect(rows[0]).toEqual({ n: 1, arr: [1, null, Number.MAX_SAFE_INTEGER], big: 2 ** 40 });
  });

  it('refuses a bigint that a JS number cannot hold exactly', async () => {
    await expect(
      sql`SELECT 9007199254740993::bigint AS too_big`.execute(t.db.kysely),
    ).rejects.toThrow(/does not fit/);
  });

  it('round-trips bytea as Buffer, jsonb as objects and keeps timestamptz to the millisecond', async () => {
    const key = Buffer.from([0, 1, 2, 254, 255]);
    const account = await insertAccount(t.db.kysely, { session_key_enc: key });
    expect(account.session_key_enc).toEqual(key);
    const nowPlaying = { artist: 'A', track: 'T', album: '', image_url: null };
    const at = new Date(Date.UTC(2026, 0, 5, 18, 30, 15, 123));
    const host = await insertHost(t.db.kysely, { now_playing: nowPlaying, now_playing_since: at });
    expect(host.now_playing).toEqual(nowPlaying);
    expect(host.now_playing_since).toEqual(at);
    const event = await t.db.kysely
      .insertInto('events')
      .values({
        guest_id: account.id,
        type: 'mirrored',
        payload: { ids: [1, 2], ok: true },
        created_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(event.payload).toEqual({ ids: [1, 2], ok: true });
  });
});
