/** A PostgreSQL server (`DATABASE_URL=postgres://…`): a `pg.Pool` plus a dedicated LISTEN client. */
import pg from 'pg';
import type { Driver, StoreLogger } from './driver.js';
import { PgListener } from './pg-listener.js';
import { storeTypes } from './type-parsers.js';

/** Options of a server connection. */
export interface PostgresDriverOptions {
  url: string;
  /** Most connections this process opens for queries (default 10); LISTEN uses one more. */
  poolSize?: number;
  logger: StoreLogger;
}

const DEFAULT_POOL_SIZE = 10;

/** Connects lazily: the first query (or `ping`) opens the first connection. */
export function openPostgresDriver(options: PostgresDriverOptions): Driver {
  const { url, logger } = options;
  const base: pg.ClientConfig = {
    connectionString: url,
    types: storeTypes,
    application_name: 'lasso',
  };
  const pool = new pg.Pool({ ...base, max: options.poolSize ?? DEFAULT_POOL_SIZE });
  // An idle client whose server connection dies emits here; unhandled, it would end the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection failed'));
  const listener = new PgListener({ ...base, application_name: 'lasso-listener' }, logger);
  let closed = false;
  return {
    dialect: 'postgres',
    pool,
    listen: (channel, onPayload, listenOptions) =>
      listener.listen(channel, onPayload, listenOptions),
    async close() {
      if (closed) return;
      closed = true;
      await listener.close();
      await pool.end();
    },
  };
}
