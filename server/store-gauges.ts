/**
 * The store's gauges for /metrics (active follows, outbox backlog, overdue hosts, held guests),
 * counted in the background:
 * one query every 15 s, whatever the number of scrapers and however often they scrape. A scrape
 * reads the last counts from memory and never touches the database.
 */
import { MINUTE_MS, SECOND_MS, type Clock } from '../lib/clock.js';
import type { Db, DbExecutor } from '../store/db.js';
import type { Logger } from './logger.js';
import type { Metrics, StoreGauges } from './metrics.js';

/** How often the gauges are counted again: a scrape sees counts at most this old. */
export const STORE_GAUGES_INTERVAL_MS = 15 * SECOND_MS;

/**
 * How late a host's next poll must be to count as overdue: a live instance looks for due hosts at
 * least every 5 s, and a dead one's leases lapse within 20 s, so a minute means nobody is polling.
 */
export const HOST_OVERDUE_MS = MINUTE_MS;

/** Every gauge in one query, as of `now` (epoch ms, the injected clock's). */
export async function countStoreGauges(db: DbExecutor, now: number): Promise<StoreGauges> {
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .selectFrom('follows')
        .select(eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'active')
        .as('active_follows'),
      eb
        .selectFrom('outbox')
        .select(eb.fn.countAll<number>().as('n'))
        .where('state', 'in', ['pending', 'sending'])
        .as('outbox_pending'),
      eb
        .selectFrom('hosts')
        .select(eb.fn.countAll<number>().as('n'))
        .where('next_poll_at', '<', new Date(now - HOST_OVERDUE_MS))
        // A host being polled right now (a live lease) is not overdue, however long it takes.
        .where((h) => h.or([h('lease_until', 'is', null), h('lease_until', '<=', new Date(now))]))
        .as('hosts_overdue'),
      eb
        .selectFrom('follows')
        .select((f) => f.fn.count<number>('guest_id').distinct().as('n'))
        .where('held_until', '>', new Date(now))
        .as('held_guests'),
    ])
    .executeTakeFirstOrThrow();
  return {
    activeFollows: Number(row.active_follows ?? 0),
    outboxPending: Number(row.outbox_pending ?? 0),
    hostsOverdue: Number(row.hosts_overdue ?? 0),
    heldGuests: Number(row.held_guests ?? 0),
  };
}

/** What `refreshStoreGauges` needs. */
export interface StoreGaugesDeps {
  db: Pick<Db, 'kysely'>;
  metrics: Pick<Metrics, 'setStoreGauges'>;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Counts the gauges now and every `intervalMs` until `signal` aborts. A failed count is logged
 * and the gauges keep their last values (a database briefly away must not blank the dashboard).
 */
export async function refreshStoreGauges(
  deps: StoreGaugesDeps,
  signal: AbortSignal,
): Promise<void> {
  const intervalMs = deps.intervalMs ?? STORE_GAUGES_INTERVAL_MS;
  while (!signal.aborted) {
    try {
      deps.metrics.setStoreGauges(await countStoreGauges(deps.db.kysely, deps.clock.now()));
    } catch (err) {
      deps.logger.warn({ err }, 'counting the store gauges failed');
    }
    await deps.clock.sleep(intervalMs, signal);
  }
}
