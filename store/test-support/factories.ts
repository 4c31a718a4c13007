/**
 * Rows for tests, each with unique names so tests sharing a database never collide. Times default
 * to a fixed instant: no test depends on the wall clock.
 */
import { randomBytes } from 'node:crypto';
import type {
  AccountRow,
  DbExecutor,
  FollowRow,
  HostRow,
  NewAccount,
  NewFollow,
  NewHost,
  NewOutbox,
  OutboxRow,
} from '../schema.js';

/** The instant test rows are created at unless told otherwise. */
export const TEST_NOW = new Date(Date.UTC(2026, 0, 5, 18, 0, 0));

let counter = 0;

/** A name no other test row has, e.g. `Guest_7_a1b2c3`. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${randomBytes(3).toString('hex')}`;
}

/** 32 random bytes, the size of a SHA-256 (session and state hashes). */
export function randomHash(): Buffer {
  return randomBytes(32);
}

/** Inserts an account with a valid (fake) encrypted key. */
export async function insertAccount(
  db: DbExecutor,
  overrides: Partial<NewAccount> = {},
): Promise<AccountRow> {
  return db
    .insertInto('accounts')
    .values({
      username: uniqueName('Guest'),
      session_key_enc: randomBytes(44),
      key_state: 'valid',
      created_at: TEST_NOW,
      updated_at: TEST_NOW,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts a host due for polling at `TEST_NOW`. */
export async function insertHost(
  db: DbExecutor,
  overrides: Partial<NewHost> = {},
): Promise<HostRow> {
  return db
    .insertInto('hosts')
    .values({
      username: uniqueName('Host'),
      next_poll_at: TEST_NOW,
      created_at: TEST_NOW,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts an active follow of `hostId` by `guestId`. */
export async function insertFollow(
  db: DbExecutor,
  ids: { guestId: number; hostId: number },
  overrides: Partial<NewFollow> = {},
): Promise<FollowRow> {
  return db
    .insertInto('follows')
    .values({
      guest_id: ids.guestId,
      host_id: ids.hostId,
      state: 'active',
      mirror_now_playing: false,
      started_at: TEST_NOW,
      created_at: TEST_NOW,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Inserts a pending outbox row of `followId` for `guestId` (track "T" by "A"), due at `TEST_NOW`. */
export async function insertOutbox(
  db: DbExecutor,
  ids: { followId: number; guestId: number },
  overrides: Partial<NewOutbox> = {},
): Promise<OutboxRow> {
  return db
    .insertInto('outbox')
    .values({
      follow_id: ids.followId,
      guest_id: ids.guestId,
      artist: 'A',
      track: 'T',
      album: '',
      timestamp: 1,
      state: 'pending',
      next_attempt_at: TEST_NOW,
      created_at: TEST_NOW,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
