/**
 * Queries on `events`: each guest's activity stream. A row per event, and a NOTIFY on
 * `lasso_events` with `{"id", "guest_id"}` so every instance's subscribers hear of it once the
 * writing transaction commits.
 */
import { sql } from 'kysely';
import type { DbExecutor, EventRow, JsonObject } from '../../store/schema.js';
import type { EngineEvent } from '../events.js';

/** The NOTIFY channel of new events. */
export const EVENTS_CHANNEL = 'lasso_events';

/** An event for one guest's stream. */
export interface GuestEvent {
  guestId: number;
  event: EngineEvent;
}

/** The stored payload: the event without its type (the type has a column of its own). */
export function eventPayload(event: EngineEvent): JsonObject {
  const { type: _type, ...rest } = event;
  // Every event field is a string, number, boolean, null or a flat object of those.
  return rest as unknown as JsonObject;
}

/**
 * Inserts the events and notifies their ids, in one statement (the notifications are delivered
 * when the transaction commits).
 */
export async function insertEvents(
  db: DbExecutor,
  events: readonly GuestEvent[],
  now: Date,
): Promise<void> {
  if (events.length === 0) return;
  const values = events.map(
    (e) =>
      sql`(${e.guestId}::bigint, ${e.event.type}::text, ${JSON.stringify(eventPayload(e.event))}::jsonb, ${now}::timestamptz)`,
  );
  await sql`
    WITH added AS (
      INSERT INTO events (guest_id, type, payload, created_at) VALUES ${sql.join(values)}
      RETURNING id, guest_id
    )
    SELECT pg_notify(${EVENTS_CHANNEL}, json_build_object('id', id, 'guest_id', guest_id)::text)
    FROM added`.execute(db);
}

/** The guest's events with id > `afterId`, oldest first, at most `limit`. */
export async function eventsAfter(
  db: DbExecutor,
  guestId: number,
  afterId: number,
  limit: number,
): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('guest_id', '=', guestId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The guest's newest event id, 0 when none. */
export async function lastEventId(db: DbExecutor, guestId: number): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('max'))
    .where('guest_id', '=', guestId)
    .executeTakeFirst();
  return row?.max ?? 0;
}

/** Deletes events created before `cutoff`; returns how many. */
export async function pruneEvents(db: DbExecutor, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom('events').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
