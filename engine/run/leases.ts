/**
 * Keeping leases alive while their work runs. A poll lease (`hosts.lease_until`) and a claim's
 * lease (`outbox.next_attempt_at` of its `sending` rows) are short (`leaseMs`, 20 s) so that a
 * crashed process's work is taken over soon; the process that holds them renews them every
 * `leaseMs / 4` for as long as the work is running, however long Last.fm or the rate limiter
 * makes it. A dead process renews nothing, so its leases lapse at most `leaseMs` after its last
 * renewal. A renewal never shortens a lease, and it moves only rows still marked by the same
 * claim (`sending_since`) and hosts still leased to this instance.
 */
import { sql } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import type { DbExecutor } from '../../store/schema.js';

/** What the keeper needs: the store, the clock, who we are, and how long a lease lasts. */
export interface LeaseKeeperDeps {
  db: DbExecutor;
  clock: Clock;
  instanceId: string;
  leaseMs: number;
}

/** The leases of the work in flight in this process. */
export interface LeaseKeeper {
  /** Keeps the poll leases of `hostIds` alive until the returned function is called. */
  holdHosts(hostIds: readonly number[]): () => void;
  /** Keeps the `sending` rows `rowIds` marked at `since` alive until the returned function is called. */
  holdRows(rowIds: readonly number[], since: Date): () => void;
  /** Renews everything held now: host leases and row leases end `leaseMs` from now. */
  renew(): Promise<void>;
  /** Renews every `leaseMs / 4` until `signal` aborts. Failures are reported, never thrown. */
  run(signal: AbortSignal, onError: (err: unknown) => void): Promise<void>;
}

/** Renewals per lease period: a renewal can be late by three quarters of a lease and still count. */
const RENEWALS_PER_LEASE = 4;

export function createLeaseKeeper(deps: LeaseKeeperDeps): LeaseKeeper {
  const hosts = new Map<number, number>();
  const rows = new Map<number, Date>();

  const hold = <K, V>(map: Map<K, V>, entries: [K, V][]): (() => void) => {
    for (const [k, v] of entries) map.set(k, v);
    return () => {
      for (const [k, v] of entries) if (map.get(k) === v) map.delete(k);
    };
  };

  async function renew(): Promise<void> {
    const now = deps.clock.now();
    const until = new Date(now + deps.leaseMs);
    if (hosts.size > 0) await renewHostLeases(deps.db, [...hosts.keys()], deps.instanceId, until);
    if (rows.size > 0) {
      const held = [...rows.entries()];
      await renewRowLeases(
        deps.db,
        held.map(([id]) => id),
        held.map(([, since]) => since),
        until,
      );
    }
  }

  return {
    holdHosts: (ids) =>
      hold(
        hosts,
        ids.map((id) => [id, id]),
      ),
    holdRows: (ids, since) =>
      hold(
        rows,
        ids.map((id) => [id, since]),
      ),
    renew,
    async run(signal, onError) {
      const every = Math.max(1, Math.floor(deps.leaseMs / RENEWALS_PER_LEASE));
      while (!signal.aborted) {
        await deps.clock.sleep(every, signal).catch(() => undefined);
        if (signal.aborted) break;
        try {
          await renew();
        } catch (err) {
          onError(err);
        }
      }
    },
  };
}

/**
 * Extends the poll leases `owner` still holds among `hostIds` to `until` (never shortening one).
 * A `next_poll_at` equal to the lease end moves with it; a wake-up (any other value) stays.
 */
export async function renewHostLeases(
  db: DbExecutor,
  hostIds: readonly number[],
  owner: string,
  until: Date,
): Promise<number> {
  const result = await sql`
    UPDATE hosts SET
      next_poll_at = CASE WHEN next_poll_at = lease_until THEN ${until}::timestamptz
                          ELSE next_poll_at END,
      lease_until = ${until}::timestamptz
    WHERE id = ANY(${[...hostIds]}::bigint[]) AND lease_owner = ${owner}
      AND lease_until < ${until}::timestamptz`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Extends to `until` the lease (`next_attempt_at`) of each row `ids[i]` still `sending` since
 * `sinces[i]`, the claim that marked it (never shortening one).
 */
export async function renewRowLeases(
  db: DbExecutor,
  ids: readonly number[],
  sinces: readonly Date[],
  until: Date,
): Promise<number> {
  const result = await sql`
    UPDATE outbox o SET next_attempt_at = ${until}::timestamptz
    FROM unnest(${[...ids]}::bigint[], ${sinces.map((d) => d.toISOString())}::timestamptz[])
      AS h(id, since)
    WHERE o.id = h.id AND o.state = 'sending' AND o.sending_since = h.since
      AND o.next_attempt_at < ${until}::timestamptz`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
