/**
 * What the HTTP app is built from. Effects (clock, logger, metrics, Last.fm, store, engine) are
 * created once in `main.ts` and passed in here, so tests build the app with fakes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EngineApi } from '../engine/engine-api.js';
import type { LastfmApi } from '../lastfm/types.js';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../store/db.js';
import type { TokenBuckets } from '../store/rate-limit.js';
import type { SessionCache } from './auth/session-cache.js';
import type { Config } from './config.js';
import type { KeyBox } from './crypto.js';
import type { InFlightCounter } from './in-flight.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { SseHub } from './routes/sse-hub.js';
import type { StatusCache } from './routes/status-cache.js';
import type { RateLimits } from './security.js';

/** Whether the app can serve: database reachable, migrations applied, not shutting down. */
export type Readiness = { ready: true } | { ready: false; details: string };

/** The Fastify instance routes see: zod schemas type the request and check the reply. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What route modules get: the app's deps, with the caches `buildApp` always makes. */
export type RouteDeps<D extends AppDeps = AppDeps> = D & {
  sessionCache: SessionCache;
  statusCache: StatusCache;
};

/**
 * A group of routes (one file under `routes/`), registered after the core layers. `D` is what
 * it needs: `buildApp` accepts it only with deps of that type (`ApiDeps` for the API's routes).
 */
export type RouteModule<D extends AppDeps = AppDeps> = (
  app: ZodApp,
  deps: RouteDeps<D>,
) => Promise<void> | void;

/**
 * What every app is built from: the ops routes (health, readiness, metrics, OpenAPI) need no
 * more, so they and their tests run without a store.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Asked by GET /readyz. Details it returns are shown; a thrown error is only logged. */
  readiness: () => Promise<Readiness>;
  /** The store. Here only for the rate limits' buckets (below); the API routes require it. */
  db?: Db;
  /**
   * The open event streams of GET /api/session/events. Default: a hub made by the routes. Pass
   * one to choose the heartbeat interval or to close the streams yourself (`closeAll()`); they
   * are closed on `app.close()` either way.
   */
  sse?: SseHub;
  /** Session lookups cached by this instance. Default: `createSessionCache()`, made by `buildApp`. */
  sessionCache?: SessionCache;
  /** Guests' statuses cached by this instance. Default: `createStatusCache({ clock })`, made by `buildApp`. */
  statusCache?: StatusCache;
  /** Counts the routes' work in flight (`runtime.ts` waits for it before closing the store). */
  inFlight?: InFlightCounter;
  /** Serves GET paths outside /api that no route matched (`web-app.ts`: the web app's index.html). */
  notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => unknown;
  /** Defaults to `DEFAULT_RATE_LIMITS`; tests pass small ones. */
  rateLimits?: RateLimits;
  /** Where those limits' buckets live. Default: shared through `db` on PostgreSQL, else in memory. */
  rateLimitBuckets?: TokenBuckets;
  /** Origins accepted by the origin check besides PUBLIC_URL's. */
  extraOrigins?: readonly string[];
  /** Origins the CSP allows images from besides Last.fm's (demo mode: the emulator's art). */
  imageOrigins?: readonly string[];
}

/** What the API's routes (`routes/index.ts`) need besides `AppDeps`. */
export interface ApiDeps extends AppDeps {
  /** The store: accounts, web sessions, sign-in states. */
  db: Db;
  /** The follow engine: lifecycle, status, history, event streams. */
  engine: EngineApi;
  /** Seals Last.fm session keys at rest: `createKeyBox(config.sessionSecret)`. */
  keyBox: KeyBox;
  /** The Last.fm client (the real one, or pointed at the emulator). */
  lastfm: LastfmApi;
}

/** `buildApp`'s argument: the deps, and route modules that need no more than they hold. */
export type BuildDeps<D extends AppDeps = AppDeps> = D & {
  /** Route modules to register, in order, after the core and ops routes. */
  routes?: readonly RouteModule<D>[];
};
