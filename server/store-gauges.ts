/**
 * The store's gauges for /metrics (active follows, outbox backlog), counted in the background:
 * one query every 15 s, whatever the number of scrapers and however often they scrape. A scrape
 * reads the last counts from memory and never touches the database.
 */
import { SECOND_MS, type Clock } from '../lib/clock.js';
import type { Db, DbExecutor } from '../store/db.js';
import type { Logger } from './logger.js';
import type { Metrics, StoreGauges } from './metrics.js';

/** How often the gauges are counted again: a scrape sees counts at most this old. */
export const STORE_GAUGES_INTERVAL_MS = 15 * SECOND_MS;

/** Both gauges in one query. */
export async function countStoreGauges(db: DbExecutor): Promise<StoreGauges> {
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
    ])
    .executeTakeFirstOrThrow();
  return {
    activeFollows: Number(row.active_follows ?? 0),
    outboxPending: Number(row.outbox_pending ?? 0),
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
      deps.metrics.setStoreGauges(await countStoreGauges(deps.db.kysely));
    } catch (err) {
      deps.logger.warn({ err }, 'counting the store gauges failed');
    }
    await deps.clock.sleep(intervalMs, signal);
  }
}
