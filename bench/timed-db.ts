/**
 * Databases for the benches, with the time spent in queries measured: Kysely's query log times
 * each statement on its connection (BEGIN and COMMIT included, waiting for a pooled connection
 * excluded). PGlite runs in a worker thread of this process, so its time is also CPU of this
 * process; a PostgreSQL server's is not. The PostgreSQL database is a scratch one, created here and dropped after.
 */
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { dbFromDriver, queryPool, type Db } from '../store/db.js';
import { silentLogger, type Driver } from '../store/driver.js';
import { migrate } from '../store/migrate.js';
import { openPgliteDriver } from '../store/pglite-driver.js';
import { openPostgresDriver } from '../store/postgres-driver.js';
import type { Database } from '../store/schema.js';

/** Query time so far. */
export interface QueryClock {
  queries: number;
  errors: number;
  /** Sum of statement durations (ms). */
  ms: number;
  /** By statement shape (its first words and table): count and time, for finding the costly ones. */
  byShape: Map<string, { n: number; ms: number }>;
  reset(): void;
}

/** "INSERT INTO events", "SELECT … FROM hosts", "BEGIN": enough to tell statements apart. */
export function statementShape(sqlText: string): string {
  const text = sqlText.replace(/\s+/g, ' ').trim();
  const verb = (text.split(' ')[0] ?? '').toUpperCase();
  const table = /\b(?:into|from|update)\s+"?([a-z_]+)"?/i.exec(text)?.[1] ?? '';
  return table ? `${verb} ${table}` : verb;
}

/** An open bench database and its query clock. */
export interface TimedDb {
  db: Db;
  queries: QueryClock;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

function queryClock(): QueryClock & { log(e: LogEvent): void } {
  const c = {
    queries: 0,
    errors: 0,
    ms: 0,
    byShape: new Map<string, { n: number; ms: number }>(),
    reset() {
      c.queries = 0;
      c.errors = 0;
      c.ms = 0;
      c.byShape = new Map();
    },
    log(e: LogEvent) {
      c.queries += 1;
      if (e.level === 'error') c.errors += 1;
      c.ms += e.queryDurationMillis;
      const shape = statementShape(e.query.sql);
      const entry = c.byShape.get(shape) ?? { n: 0, ms: 0 };
      entry.n += 1;
      entry.ms += e.queryDurationMillis;
      c.byShape.set(shape, entry);
    },
  };
  return c;
}

async function timed(
  driver: Driver,
  kind: TimedDb['kind'],
  dropAfter?: () => Promise<void>,
): Promise<TimedDb> {
  const clock = queryClock();
  const base = dbFromDriver(driver);
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: queryPool(driver) }),
    log: (e) => clock.log(e),
  });
  await migrate(kysely, {});
  clock.reset();
  const db: Db = { ...base, kysely, transaction: (fn) => kysely.transaction().execute(fn) };
  return {
    db,
    queries: clock,
    kind,
    async close() {
      await base.close();
      await dropAfter?.();
    },
  };
}

/** A migrated in-memory PGlite. */
export async function openTimedPglite(): Promise<TimedDb> {
  return timed(await openPgliteDriver({ dataDir: 'memory://' }, silentLogger), 'pglite');
}

/** The server URL to use, from `DATABASE_URL` or `TEST_DATABASE_URL`, or null. */
export function postgresUrlFromEnv(): string | null {
  return process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || null;
}

/** A scratch database `lasso_bench_<random>` on the server of `url`, migrated; dropped on close. */
export async function openTimedPostgres(url: string, poolSize = 10): Promise<TimedDb> {
  const name = `lasso_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  const drop = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  try {
    return await timed(
      openPostgresDriver({ url: dbUrl.toString(), logger: silentLogger, poolSize }),
      'postgres',
      drop,
    );
  } catch (err) {
    await drop();
    throw err;
  }
}
