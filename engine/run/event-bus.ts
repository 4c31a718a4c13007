/**
 * Guests' live event streams. Events are rows (`events`) with a NOTIFY on `lasso_events`, so an
 * event written by any instance reaches every instance's subscribers. One LISTEN per engine;
 * on a notification for a guest, each of its subscribers reads the rows after the last id it
 * delivered, so delivery is in id order, never twice, and survives a lost notification (a
 * reconnect re-reads for everyone).
 */
import type { Db, Unsubscribe } from '../../store/db.js';
import type { EventRow } from '../../store/schema.js';
import type { EngineEventRecord, EngineEventType, EngineLogger } from '../engine-api.js';
import { EVENTS_CHANNEL, eventsAfter, lastEventId } from '../repo/events.js';

/** Rows read per query while catching up. */
const PAGE = 500;

interface Subscriber {
  guestId: number;
  lastId: number;
  onEvent: (e: EngineEventRecord) => void;
  /** Reads run one after another, so events are delivered in order. */
  chain: Promise<void>;
  /** A read is queued and not started yet: another notification need not queue one more. */
  queued: boolean;
  closed: boolean;
}

function toRecord(row: EventRow): EngineEventRecord {
  return {
    id: row.id,
    type: row.type as EngineEventType,
    payload: row.payload,
    at: row.created_at.getTime(),
  };
}

/** The engine's event streams. */
export interface EventBus {
  subscribe(
    guestId: number,
    afterId: number | null,
    onEvent: (e: EngineEventRecord) => void,
  ): Promise<() => void>;
  /** Stops listening; subscribers get nothing more. */
  close(): Promise<void>;
}

/** An event bus over `db`'s LISTEN/NOTIFY. */
export function createEventBus(db: Db, logger: EngineLogger): EventBus {
  const subscribers = new Map<number, Set<Subscriber>>();
  let listening: Promise<Unsubscribe> | null = null;

  const read = (sub: Subscriber): void => {
    if (sub.queued || sub.closed) return;
    sub.queued = true;
    sub.chain = sub.chain
      .then(async () => {
        sub.queued = false;
        for (;;) {
          if (sub.closed) return;
          const rows = await eventsAfter(db.kysely, sub.guestId, sub.lastId, PAGE);
          for (const row of rows) {
            if (sub.closed || row.id <= sub.lastId) continue;
            sub.lastId = row.id;
            try {
              sub.onEvent(toRecord(row));
            } catch (err) {
              logger.error({ err, guestId: sub.guestId }, 'event subscriber threw');
            }
          }
          if (rows.length < PAGE) return;
        }
      })
      .catch((err: unknown) => {
        logger.warn({ err, guestId: sub.guestId }, 'reading events failed');
      });
  };

  const onNotify = (payload: string): void => {
    let guestId: unknown;
    try {
      guestId = (JSON.parse(payload) as { guest_id?: unknown }).guest_id;
    } catch {
      return;
    }
    if (typeof guestId !== 'number') return;
    for (const sub of subscribers.get(guestId) ?? []) read(sub);
  };

  const ensureListening = (): Promise<Unsubscribe> => {
    listening ??= db
      .listen(EVENTS_CHANNEL, onNotify, {
        // Notifications sent while disconnected are lost: everyone re-reads.
        onReconnect: () => {
          for (const set of subscribers.values()) for (const sub of set) read(sub);
        },
      })
      .catch((err: unknown) => {
        listening = null;
        throw err;
      });
    return listening;
  };

  return {
    async subscribe(guestId, afterId, onEvent) {
      await ensureListening();
      // Live only: start after the newest event now (read after LISTEN, so nothing falls between).
      const lastId = afterId ?? (await lastEventId(db.kysely, guestId));
      const sub: Subscriber = {
        guestId,
        lastId,
        onEvent,
        chain: Promise.resolve(),
        queued: false,
        closed: false,
      };
      const set = subscribers.get(guestId) ?? new Set<Subscriber>();
      subscribers.set(guestId, set);
      set.add(sub);
      read(sub);
      return () => {
        sub.closed = true;
        set.delete(sub);
        if (set.size === 0) subscribers.delete(guestId);
      };
    },
    async close() {
      for (const set of subscribers.values()) for (const sub of set) sub.closed = true;
      subscribers.clear();
      const current = listening;
      listening = null;
      if (current) await (await current.catch(() => async () => undefined))();
    },
  };
}
