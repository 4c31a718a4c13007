/**
 * A scratch PostgreSQL database for `bench:http --db postgres` and `load --store postgres`:
 * created empty on the server that `DATABASE_URL` or `TEST_DATABASE_URL` names (Lasso migrates
 * it on start), dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A scratch database: its URL and how to drop it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The server process ids of the connections to `databaseUrl`'s database, other than the one
 * asking: with a server on this machine, their CPU time is the store's.
 */
export async function backendPids(databaseUrl: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** The server URL from the environment, or null. */
export function postgresServerUrl(): string | null {
  return process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || null;
}

/** Creates `<prefix>_<random>` (default `lasso_bench_http_…`) on the server of `serverUrl`. */
export async function createScratchDatabase(
  serverUrl: string,
  prefix = 'lasso_bench_http',
): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`bad database name prefix ${prefix}`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
