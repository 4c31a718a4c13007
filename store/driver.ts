/**
 * What `db.ts` needs from each database driver (embedded PGlite or a PostgreSQL server): a
 * `pg.Pool`-compatible pool for Kysely, LISTEN, and shutdown.
 */
import type pg from 'pg';

/** The part of a pino logger the store uses. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: StoreLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Called with the payload of each NOTIFY on the channel ("" when the NOTIFY had none). */
export type NotificationHandler = (payload: string) => void;

/** Stops a `listen`. Idempotent; a no-op once the database is closed. */
export type Unsubscribe = () => Promise<void>;

/** Options of `Db.listen`. */
export interface ListenOptions {
  /**
   * Called after the listening connection was lost and re-established (PostgreSQL only).
   * Notifications sent in between are lost: re-read whatever the channel announces.
   */
  onReconnect?: () => void;
}

/** One database behind a pool, as `db.ts` assembles it into a `Db`. */
export interface Driver {
  readonly dialect: 'pglite' | 'postgres';
  readonly pool: pg.Pool;
  listen(
    channel: string,
    onPayload: NotificationHandler,
    options?: ListenOptions,
  ): Promise<Unsubscribe>;
  close(): Promise<void>;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Channel names are spliced into LISTEN/UNLISTEN (they cannot be bind parameters), so only plain
 * lower-case identifiers are accepted: no quoting, no case folding surprises, no injection.
 */
export function assertChannelName(channel: string): void {
  if (!CHANNEL_NAME.test(channel)) {
    throw new Error(`invalid channel name ${JSON.stringify(channel)}: use [a-z_][a-z0-9_]*`);
  }
}

/** Runs a subscriber without letting its exception break delivery to the others. */
export function deliver(
  handler: NotificationHandler,
  payload: string,
  channel: string,
  logger: StoreLogger,
): void {
  try {
    handler(payload);
  } catch (err) {
    logger.error({ err, channel }, 'notification handler threw');
  }
}
