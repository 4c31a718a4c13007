/** When the engine next has work: the earliest host poll or outbox step due, in one query. */
import { sql } from 'kysely';
import type { DbExecutor } from '../../store/schema.js';
import { NEVER_POLL_AT } from './hosts.js';

/**
 * The earliest of: a host poll (a host leased by another instance not before its lease ends), a
 * `sending` lease to check, a pending row of a guest with a working key and no batch in flight.
 * Null when nothing is scheduled.
 */
export async function nextWorkDue(db: DbExecutor): Promise<Date | null> {
  const result = await sql<{ due: Date | null }>`
    SELECT least(
      (SELECT min(next_poll_at) FROM hosts
        WHERE lease_until IS NULL AND next_poll_at < ${NEVER_POLL_AT}),
      (SELECT min(greatest(next_poll_at, lease_until)) FROM hosts
        WHERE lease_until IS NOT NULL AND next_poll_at < ${NEVER_POLL_AT}),
      (SELECT min(next_attempt_at) FROM outbox WHERE state = 'sending'),
      (SELECT o.next_attempt_at FROM outbox o
        JOIN accounts a ON a.id = o.guest_id AND a.key_state = 'valid'
        WHERE o.state = 'pending' AND NOT EXISTS (
          SELECT 1 FROM outbox s WHERE s.guest_id = o.guest_id AND s.state = 'sending')
        ORDER BY o.next_attempt_at LIMIT 1)
    ) AS due`.execute(db);
  return result.rows[0]?.due ?? null;
}
