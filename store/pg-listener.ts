/**
 * LISTEN on a PostgreSQL server through one dedicated `pg.Client`, never a pooled one: a pooled
 * client goes back to the pool between queries and would miss notifications (or carry a LISTEN
 * to whoever borrows it next). The client reconnects with back-off when the server drops it and
 * LISTENs again on every channel; subscribers are told through `onReconnect`, since whatever was
 * sent while disconnected is gone.
 */
import pg from 'pg';
import type { ListenOptions, NotificationHandler, StoreLogger, Unsubscribe } from './driver.js';
import { assertChannelName, deliver } from './driver.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

interface Subscription {
  onPayload: NotificationHandler;
  onReconnect: (() => void) | undefined;
}

/** Subscriptions to NOTIFY channels over one reconnecting client. */
export class PgListener {
  readonly #config: pg.ClientConfig;
  readonly #logger: StoreLogger;
  readonly #channels = new Map<string, Set<Subscription>>();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #closed = false;

  constructor(config: pg.ClientConfig, logger: StoreLogger) {
    this.#config = config;
    this.#logger = logger;
  }

  /** Subscribes; resolves once the server has executed the LISTEN. */
  async listen(
    channel: string,
    onPayload: NotificationHandler,
    options: ListenOptions = {},
  ): Promise<Unsubscribe> {
    assertChannelName(channel);
    if (this.#closed) throw new Error('database is closed');
    const sub: Subscription = { onPayload, onReconnect: options.onReconnect };
    let subs = this.#channels.get(channel);
    const first = subs === undefined;
    if (!subs) this.#channels.set(channel, (subs = new Set()));
    subs.add(sub);
    try {
      const client = await this.#connected();
      // A fresh connection already LISTENed on every known channel; repeating LISTEN is harmless.
      if (first) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      this.#remove(channel, sub);
      throw err;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (!this.#remove(channel, sub) || !this.#client) return;
      await this.#client.query(`UNLISTEN ${channel}`).catch((err: unknown) => {
        this.#logger.warn({ err, channel }, 'UNLISTEN failed');
      });
    };
  }

  /** Ends the client and stops reconnecting. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#channels.clear();
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  /** Removes a subscription; true when it was its channel's last. */
  #remove(channel: string, sub: Subscription): boolean {
    const subs = this.#channels.get(channel);
    if (!subs?.delete(sub) || subs.size > 0) return false;
    this.#channels.delete(channel);
    return true;
  }

  #connected(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client(this.#config);
    client.on('notification', (msg) => this.#dispatch(msg.channel, msg.payload ?? ''));
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, null));
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      throw new Error('database is closed');
    }
    this.#client = client;
    this.#failures = 0;
    return client;
  }

  #dispatch(channel: string, payload: string): void {
    for (const sub of this.#channels.get(channel) ?? []) {
      deliver(sub.onPayload, payload, channel, this.#logger);
    }
  }

  #lost(client: pg.Client, err: Error | null): void {
    if (this.#client !== client) return;
    this.#client = null;
    if (this.#closed) return;
    this.#logger.warn({ err }, 'notification connection lost; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    // With no subscriber left, the next listen() connects on demand.
    if (this.#closed || this.#retryTimer || this.#channels.size === 0) return;
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#failures);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connected().then(
        () => this.#reconnected(),
        (err: unknown) => {
          this.#failures += 1;
          this.#logger.warn({ err, failures: this.#failures }, 'notification reconnect failed');
          this.#scheduleReconnect();
        },
      );
    }, delay);
    // Reconnecting alone must not keep the process alive.
    this.#retryTimer.unref();
  }

  #reconnected(): void {
    this.#logger.info({ channels: [...this.#channels.keys()] }, 'notification connection restored');
    for (const subs of this.#channels.values()) {
      for (const sub of subs) {
        try {
          sub.onReconnect?.();
        } catch (err) {
          this.#logger.error({ err }, 'onReconnect handler threw');
        }
      }
    }
  }
}
