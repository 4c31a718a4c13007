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
import { Kysely, PostgresDialect, sql, type PostgresPool } from 'kysely';
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
import { namedStatementPool } from './named-statements.js';
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

/** A database still opening: usable at once, its queries waiting until it is open and migrated. */
export interface OpeningDb extends Db {
  /**
   * Resolves once the database is open and (unless told not to) migrated. Rejects if either
   * failed, having closed what it opened; every query then fails the same way.
   */
  readonly opened: Promise<void>;
}

/** Opens the database the options name and, unless told not to, migrates it. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Db> {
  const db = startDatabase(options);
  await db.opened;
  return db;
}

/**
 * Starts opening (and migrating) the database the options name, and hands it out at once: the
 * server builds its HTTP app while PGlite opens, instead of after (bench:start). Queries, LISTENs
 * and `close` wait until it is open and migrated; none runs on a half-migrated schema.
 */
export function startDatabase(options: OpenDatabaseOptions = {}): OpeningDb {
  const logger = options.logger ?? silentLogger;
  const dialect = embeddedSource(options) ? 'pglite' : 'postgres';
  const driver = openDriver(options, logger);
  const migrations = { applied: false };
  const opened = driver.then(async (open) => {
    logger.info({ dialect }, 'database opened');
    if (!(options.migrate ?? true)) return;
    try {
      await migrate(new Kysely<Database>({ dialect: new PostgresDialect({ pool: open.pool }) }), {
        logger,
      });
    } catch (err) {
      await open.close();
      throw err;
    }
    migrations.applied = true;
  });
  // Awaited through `opened` or by the first query; not unhandled until then.
  opened.catch(() => undefined);
  const ready = async (): Promise<Driver> => {
    await opened;
    return driver;
  };
  return { ...dbOver(dialect, ready, migrations), opened };
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
 * The pool Kysely should send a driver's queries through: on PGlite, one that runs repeated
 * statements prepared (`named-statements.ts`); on a server, the driver's own.
 */
export function queryPool(driver: Driver): PostgresPool {
  return driver.dialect === 'pglite' ? namedStatementPool(driver.pool) : driver.pool;
}

/**
 * Wraps an open driver in a `Db` (the test support's). `migrations` says whether this code's
 * migrations are known to be applied.
 */
export function dbFromDriver(driver: Driver, migrations = { applied: false }): Db {
  return dbOver(driver.dialect, () => Promise.resolve(driver), migrations);
}

/**
 * A `Db` over the driver `driver()` resolves to. Once this code's migrations are applied they stay
 * applied (none is ever un-recorded), so `migrationsApplied` stops asking then: `/readyz`, which
 * asks it every time, costs one `SELECT 1`.
 */
function dbOver(
  dialect: Db['dialect'],
  driver: () => Promise<Driver>,
  migrations: { applied: boolean },
): Db {
  // Kysely asks for the pool at its first query. On PGlite, repeated statements run prepared
  // (`named-statements.ts`): parsing and planning are half the cost of a small one there.
  const kysely = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: async () => queryPool(await driver()),
    }),
  });
  let closing: Promise<void> | null = null;
  return {
    kysely,
    dialect,
    transaction: (fn) => kysely.transaction().execute(fn),
    listen: async (channel, onPayload, options) =>
      (await driver()).listen(channel, onPayload, options),
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
      // A database that failed to open closed what it had opened already.
      closing ??= driver().then(
        (open) => open.close(),
        () => undefined,
      );
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
