/**
 * Lasso as a running process, apart from the process itself: opens the store, builds the Last.fm
 * client, the engine and the HTTP app from one configuration, starts the loops, and drains them in
 * order on `close()`. `main.ts` adds signals and exit codes; tests start it on port 0.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { createEngine } from '../engine/engine.js';
import type { EngineRuntime } from '../engine/engine-api.js';
import { createLastfmClient } from '../lastfm/client.js';
import { createLocalRateLimiter } from '../lastfm/rate-limiter.js';
import type { LastfmApi, RateLimiter } from '../lastfm/types.js';
import { MINUTE_MS, SECOND_MS, systemClock, type Clock } from '../lib/clock.js';
import { systemRandom } from '../lib/random.js';
import { pruneAuthStates } from '../store/auth-states.js';
import type { Db, OpeningDb } from '../store/db.js';
import { runAutovacuum } from '../store/autovacuum.js';
import { runCheckpoints } from '../store/checkpoint.js';
import { createTokenBuckets } from '../store/api-buckets.js';
import { createSharedRateLimiter, type TokenBuckets } from '../store/rate-limit.js';
import { pruneWebSessions } from '../store/web-sessions.js';
import { buildApp } from './app.js';
import { openSessionKey } from './auth/keys.js';
import type { Config } from './config.js';
import { createKeyBox } from './crypto.js';
import { startDemo, type Demo } from './demo.js';
import { engineSettings } from './engine-settings.js';
import type { ZodApp } from './deps.js';
import { createInFlight } from './in-flight.js';
import { openStore } from './open-store.js';
import type { Logger } from './logger.js';
import { createMetrics, lastfmCallOutcome, type Metrics } from './metrics.js';
import { apiRoutes } from './routes/index.js';
import { createSseHub } from './routes/sse-hub.js';
import type { RateLimits } from './security.js';
import { SESSION_IDLE_TIMEOUT_MS } from './session-cookie.js';
import { refreshStoreGauges } from './store-gauges.js';
import { createWebApp } from './web-app.js';

/** Sessions, sign-in states and full rate-limit buckets are swept this often. */
export const HOUSEKEEPING_INTERVAL_MS = 10 * MINUTE_MS;
/** How long shutdown waits for requests still running after the server closed. */
const DRAIN_TIMEOUT_MS = 10 * SECOND_MS;
/** Calls a fresh shared bucket allows at once; Last.fm averages its limit over 5 minutes. */
const LASTFM_BURST = 5;

export interface LassoOptions {
  logger: Logger;
  clock?: Clock;
  /** Limits on our own API; default `DEFAULT_RATE_LIMITS` (benchmarks raise them). */
  rateLimits?: RateLimits;
  /** The built web app's folder; default `dist/web` of this checkout (`defaultWebRoot`). */
  webRoot?: string;
  /** The API's token buckets; default `createTokenBuckets` on the store (tests watch them). */
  tokenBuckets?: TokenBuckets;
  /**
   * The store, already opening (`openStore` of the same configuration): `main.ts` starts it before
   * loading this module. Default: opened here. Closed by `close()` either way.
   */
  store?: Promise<OpeningDb>;
}

/** A started Lasso: its HTTP address and an orderly `close`. */
export interface Lasso {
  app: ZodApp;
  engine: EngineRuntime;
  db: Db;
  config: Config;
  /** Where the HTTP server listens. */
  url: string;
  demo: Demo | null;
  /** Stops taking work, finishes in-flight Last.fm calls, releases leases, closes streams and the store. */
  close(): Promise<void>;
}

/** Starts everything `config` describes and listens on its host and port. */
export async function startLasso(initial: Config, options: LassoOptions): Promise<Lasso> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  // The store opens (PGlite in its worker thread) while the demo emulator starts and, below, while
  // the engine and the HTTP app are built: nothing queries it before it is open and migrated, and
  // the server listens only then.
  const [demo, db] = await both(
    initial.demo ? startDemo(initial) : Promise.resolve(null),
    options.store ?? openStore(initial, logger),
  );
  const config = demo?.config ?? initial;
  for (const warning of config.warnings) logger.warn({ warning }, warning);
  const metrics = createMetrics({ defaultMetrics: true });
  const lastfm = createClient(config, db, clock, metrics);
  const keyBox = createKeyBox(config.sessionSecret);
  const engine = createEngine({
    db,
    lastfm,
    clock,
    random: systemRandom,
    config: engineSettings(config),
    instanceId: `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    decryptSessionKey: (id, blob) => openSessionKey(keyBox, { id, session_key_enc: blob }) ?? '',
    logger,
    metrics: {
      hostPolled: (seconds) => {
        metrics.hostPolled();
        metrics.observePollDuration(seconds);
      },
      scrobblesSettled: (result, n) => metrics.scrobblesMirrored(result, n),
      scrobblesSkipped: (reason, n) => metrics.scrobblesSkipped(reason, n),
    },
  });

  let shuttingDown = false;
  const sse = createSseHub();
  const inFlight = createInFlight();
  const web = createWebApp({ logger, ...(options.webRoot ? { root: options.webRoot } : {}) });
  const imageOrigin = emulatorImageOrigin(config, demo);
  // The API's rate limits: shared through the database on PostgreSQL, in memory on PGlite.
  const rateLimitBuckets =
    options.tokenBuckets ??
    createTokenBuckets({
      db,
      clock,
      onError: (err) => logger.warn({ err }, 'rate limits: database failed, limiting per instance'),
    });
  const app = await buildApp({
    config,
    logger,
    metrics,
    clock,
    db,
    engine,
    keyBox,
    lastfm,
    sse,
    inFlight,
    routes: [...apiRoutes, web.routes],
    notFoundFallback: web.notFoundFallback,
    // An emulator's generated album art and avatars are on its own origin.
    ...(imageOrigin ? { imageOrigins: [imageOrigin] } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    rateLimitBuckets,
    readiness: async () => {
      if (shuttingDown) return { ready: false, details: 'shutting down' };
      await db.ping();
      if (!(await db.migrationsApplied())) return { ready: false, details: 'migrations pending' };
      return { ready: true };
    },
  });
  try {
    await db.opened;
  } catch (err) {
    // Everything is closed even when one close fails: the store's error is the one to report.
    await Promise.allSettled([app.close(), db.close(), demo?.close()]);
    throw err;
  }
  const url = await app.listen({ host: config.http.host, port: config.http.port });

  const loops = new AbortController();
  const engineLoop = engine.run(loops.signal).catch((err: unknown) => {
    logger.error({ err }, 'engine loop stopped');
  });
  const housekeeping = sweep(db, rateLimitBuckets, clock, logger, loops.signal);
  const gauges = refreshStoreGauges({ db, metrics, clock, logger }, loops.signal);
  // PGlite has no autovacuum and no checkpointer of its own (a PostgreSQL server has both: these
  // return at once there).
  const vacuuming = runAutovacuum(db, clock, logger, loops.signal);
  const checkpoints = runCheckpoints(db, clock, logger, loops.signal);

  return {
    app,
    engine,
    db,
    config,
    url,
    demo,
    async close() {
      shuttingDown = true;
      sse.closeAll();
      await engine.shutdown();
      loops.abort();
      await Promise.all([engineLoop, housekeeping, gauges, vacuuming, checkpoints]);
      await app.close();
      // Requests whose client hung up are gone from app.close()'s view, not from the store's.
      if (!(await inFlight.drained(clock, DRAIN_TIMEOUT_MS))) {
        logger.warn({ inFlight: inFlight.count }, 'closing the store with requests still running');
      }
      await db.close();
      await demo?.close();
    },
  };
}

/**
 * Both results once both are there; when either fails, whatever the other made is closed before
 * the failure is passed on, so a failed start leaves no emulator or database behind.
 */
async function both<
  A extends { close(): Promise<void> } | null,
  B extends { close(): Promise<void> },
>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
  await Promise.allSettled([
    ra.status === 'fulfilled' ? ra.value?.close() : null,
    rb.status === 'fulfilled' ? rb.value.close() : null,
  ]);
  throw ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason;
}

/** Where Last.fm's consent page is in production; any other is an emulator's. */
const LASTFM_AUTH_ORIGIN = 'https://www.last.fm';

/**
 * The origin of an emulator's images, when Lasso talks to one: the demo's, or (outside
 * production) one LASTFM_AUTH_URL points at, which serves its art beside its consent page.
 */
function emulatorImageOrigin(config: Config, demo: Demo | null): string | null {
  if (demo) return demo.emulatorUrl;
  if (config.environment === 'production') return null;
  const origin = new URL(config.lastfm.authUrl).origin;
  return origin === LASTFM_AUTH_ORIGIN ? null : origin;
}

/** The Last.fm client, paced by a limiter every instance on the database shares (one on PGlite). */
function createClient(config: Config, db: Db, clock: Clock, metrics: Metrics): LastfmApi {
  const { apiKey, apiSecret, requestsPerSecond } = config.lastfm;
  if (apiKey === null || apiSecret === null) throw new Error('Last.fm API key and secret missing');
  const rateLimiter: RateLimiter =
    db.dialect === 'postgres'
      ? createSharedRateLimiter({
          db: db.kysely,
          clock,
          requestsPerSecond,
          burst: LASTFM_BURST,
          key: `lastfm:${apiKey}`,
        })
      : createLocalRateLimiter({ requestsPerSecond, burst: LASTFM_BURST, clock });
  return createLastfmClient({
    apiKey,
    apiSecret,
    apiUrl: config.lastfm.apiUrl,
    authUrl: config.lastfm.authUrl,
    rateLimiter,
    clock,
    onCall: (e) => metrics.lastfmCall(e.method, lastfmCallOutcome(e.error)),
  });
}

/**
 * Deletes expired sign-in states, idle sessions and rate-limit buckets full again now and then,
 * until `signal` aborts.
 */
async function sweep(
  db: Db,
  buckets: TokenBuckets,
  clock: Clock,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const now = new Date(clock.now());
      await pruneAuthStates(db.kysely, now);
      await pruneWebSessions(db.kysely, new Date(now.getTime() - SESSION_IDLE_TIMEOUT_MS));
      await buckets.sweep();
    } catch (err) {
      logger.warn({ err }, 'housekeeping failed');
    }
    await clock.sleep(HOUSEKEEPING_INTERVAL_MS, signal);
  }
}
