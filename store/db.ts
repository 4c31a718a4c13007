/**
 * The database handle every part uses: Kysely over embedded PGlite (no `DATABASE_URL`) or a
 * PostgreSQL server (`DATABASE_URL=postgres://…`), both through a `pg.Pool`, so one Postgres
 * dialect and one set of migrations serve both.
 *
 * ⚠ PGlite has a single connection. Inside `db.kysely.transaction().execute(async (trx) => …)`
 * use `trx` for every query: a query on `db.kysely` (or `db.listen`) from inside the callback
 * waits for the connection the transaction holds, and never runs. On a server it would run
 * outside the transaction instead — wrong too. Functions in `store/` take the executor to use
 * (`DbExecutor`: the Kysely instance or a transaction) as their first argument for this reason.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Transaction } from 'kysely';
import type {
  Driver,
  ListenOptions,
  NotificationHandler,
  StoreLogger,
  Unsubscribe,
} from './driver.js';
import { assertChannelName, silentLogger } from './driver.js';
import { loadMigrations, migrate, pendingMigrations } from './migrate.js';
import { openPgliteDriver } from './pglite-driver.js';
import { embeddedSource } from './pglite-start.js';
import type { PgliteThread } from './pglite-thread.js';
import { openPostgresDriver } from './postgres-driver.js';
import type { Database, DbExecutor } from './schema.js';

export type { ListenOptions, NotificationHandler, StoreLogger, Unsubscribe } from './driver.js';
export type { Database, DbExecutor } from './schema.js';

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  /**
   * `postgres://…` or `postgresql://…`: that server. `memory://`: an in-memory PGlite (tests).
   * Omitted: PGlite persisted in `dataDir`.
   */
  url?: string;
  /** PGlite's folder when `url` is omitted. Default `./data`. */
  dataDir?: string;
  logger?: StoreLogger;
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
  /** Server only: most pooled connections (default 10). */
  poolSize?: number;
  /**
   * PGlite only: its thread, already starting for the source `url` and `dataDir` name
   * (`startPglite(embeddedSource(options))`), so the server can begin it before it loads the rest.
   */
  pglite?: Promise<PgliteThread>;
}

/** An open database. */
export interface Db {
  /** Typed query builder. Inside a transaction, use the transaction's `trx` instead (see above). */
  readonly kysely: Kysely<Database>;
  readonly dialect: 'pglite' | 'postgres';
  /**
   * Runs `fn` in a transaction (`db.kysely.transaction().execute(fn)`): committed when it
   * resolves, rolled back when it throws. Use only `trx` inside.
   */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Calls `onPayload` for every NOTIFY on `channel` (committed ones only, as Postgres delivers).
   * Resolves once listening. Not from inside a transaction callback (PGlite would deadlock).
   */
  listen(
    channel: string,
    onPayload: NotificationHandler,
    options?: ListenOptions,
  ): Promise<Unsubscribe>;
  /** `notify(executor, …)` bound for convenience; sent when `executor`'s transaction commits. */
  notify(executor: DbExecutor, channel: string, payload: string): Promise<void>;
  /** Resolves when the database answers a query (health checks). */
  ping(): Promise<void>;
  /** True when every migration file is recorded as applied. */
  migrationsApplied(): Promise<boolean>;
  /** Closes the pool, the listener and (PGlite) the engine. Idempotent. */
  close(): Promise<void>;
}

/** Opens the database the options name and, unless told not to, migrates it. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Db> {
  const logger = options.logger ?? silentLogger;
  const driver = await openDriver(options, logger);
  const migrations = { applied: false };
  const db = dbFromDriver(driver, migrations);
  logger.info({ dialect: db.dialect }, 'database opened');
  if (options.migrate ?? true) {
    try {
      await migrate(db.kysely, { logger });
    } catch (err) {
      await db.close();
      throw err;
    }
    migrations.applied = true;
  }
  return db;
}

async function openDriver(options: OpenDatabaseOptions, logger: StoreLogger): Promise<Driver> {
  const { url } = options;
  const embedded = embeddedSource(options);
  if (embedded) return openPgliteDriver(embedded, logger, options.pglite);
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    return openPostgresDriver({
      url,
      logger,
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    });
  }
  // The URL may hold a password: name only its scheme.
  throw new Error(
    `unsupported database URL scheme: ${url?.split(':')[0]}: (want postgres:// or memory://)`,
  );
}

/**
 * Wraps an open driver in a `Db` (used by `openDatabase` and the test support). `migrations` says
 * whether this code's migrations are known to be applied; once they are, they stay applied (none
 * is ever un-recorded), so `migrationsApplied` stops asking: `/readyz`, which asks it every time,
 * then costs one `SELECT 1`.
 */
export function dbFromDriver(driver: Driver, migrations = { applied: false }): Db {
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: driver.pool }) });
  let closing: Promise<void> | null = null;
  return {
    kysely,
    dialect: driver.dialect,
    transaction: (fn) => kysely.transaction().execute(fn),
    listen: (channel, onPayload, options) => driver.listen(channel, onPayload, options),
    notify,
    async ping() {
      await sql`SELECT 1`.execute(kysely);
    },
    async migrationsApplied() {
      migrations.applied ||= (await pendingMigrations(kysely, await loadMigrations())).length === 0;
      return migrations.applied;
    },
    close() {
      // Not kysely.destroy(): it would end the pool the driver ends itself (pg rejects a second end).
      closing ??= driver.close();
      return closing;
    },
  };
}

/**
 * NOTIFY `channel` with `payload` (at most ~8000 bytes; send ids, not documents). Through a
 * transaction, listeners hear it only if and when that transaction commits.
 */
export async function notify(
  executor: DbExecutor,
  channel: string,
  payload: string,
): Promise<void> {
  assertChannelName(channel);
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(executor);
}
