/**
 * PostgreSQL for a soak run: a scratch database created empty on the server `DATABASE_URL` or
 * `TEST_DATABASE_URL` names (Lasso migrates it when it starts) and dropped afterwards, and the
 * two looks into it the multi-instance suite takes at the moment it kills a process: which host
 * leases the dead process held, and which guests had scrobbles in flight.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server URL from the environment, or null. */
export function postgresServerUrl(): string | null {
  return process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || null;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A scratch database: its URL and how to drop it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates `lasso_soak_<random>` on the server of `serverUrl`. */
export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `lasso_soak_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** A host lease: whose host, held until when (epoch ms). */
export interface HeldLease {
  host: string;
  until: number;
}

/**
 * The host leases held now by the process `pid` (Lasso's instance id is `<hostname>-<pid>-<hex>`)
 * and the guests with a scrobble `sending` (a claim in flight, by any process).
 */
export async function inFlight(
  url: string,
  pid: number,
): Promise<{ leases: HeldLease[]; sendingGuests: string[] }> {
  return withClient(url, async (c) => {
    const leases = await c.query<{ username: string; lease_until: Date }>(
      `SELECT username, lease_until FROM hosts
        WHERE lease_owner LIKE $1 AND lease_until > now()`,
      [`%-${pid}-%`],
    );
    const sending = await c.query<{ username: string }>(
      `SELECT DISTINCT a.username FROM outbox o JOIN accounts a ON a.id = o.guest_id
        WHERE o.state = 'sending'`,
    );
    return {
      leases: leases.rows.map((r) => ({ host: r.username, until: r.lease_until.getTime() })),
      sendingGuests: sending.rows.map((r) => r.username),
    };
  });
}
