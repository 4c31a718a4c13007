/**
 * Builds the HTTP app from its dependencies and never listens (`main.ts` does): zod schemas,
 * cookies, security layer, error handling, ops routes, then the route modules passed in.
 */
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { LogController } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { createSessionCache } from './auth/session-cache.js';
import type { AppDeps, BuildDeps, RouteDeps, ZodApp } from './deps.js';
import { registerErrorHandler } from './errors.js';
import { trackInFlight } from './in-flight.js';
import { lazyChildLoggerFactory, levelEnabled } from './logger.js';
import { opsRoutes } from './routes/ops.js';
import { createStatusCache } from './routes/status-cache.js';
import { registerSecurity } from './security.js';
import { useSessionCookie } from './session-cookie.js';

/** The largest request body accepted: requests are small JSON objects. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Fastify's trustProxy for a hop count: trust the `hops` nearest proxies. (Fastify 5.12 stopped
 * accepting a number, since hops alone cannot vouch for the peer; behind Cloud Run's front end
 * the peer is always Google's proxy, so a hop count is what we want there.)
 */
function trustProxyOption(
  trust: AppDeps['config']['http']['trustProxy'],
): boolean | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'boolean') return trust;
  return (_address, hop) => hop < trust;
}

/**
 * Builds the app. Call `inject()` in tests, `listen()` in main; `close()` when done. Each route
 * module's needs are checked by the compiler against `deps` (`RouteModule<D>`).
 */
export async function buildApp<D extends AppDeps>(deps: BuildDeps<D>): Promise<ZodApp> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    trustProxy: trustProxyOption(config.http.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    // Fastify's own request lines are at info, the default level: two JSON lines per request,
    // while the front end (Cloud Run) logs every request anyway. Ours (below) are at debug;
    // failures are still logged: thrown errors by the error handler, any 5xx answer below.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory,
  }).withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app, deps.logger, deps.notFoundFallback);
  if (deps.inFlight) trackInFlight(app, deps.inFlight);
  // One line per request at debug (off by default); a 5xx answer at warn whatever the level.
  // Counted by route template, never by raw URL, so the metric's labels stay few.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    if (levelEnabled(request.log, level)) {
      request.log[level](
        { req: request, res: reply, responseTime: reply.elapsedTime },
        'request completed',
      );
    }
    done();
  });

  await app.register(cookie);
  useSessionCookie(app, config);
  await registerSecurity(app, {
    config,
    clock: deps.clock,
    ...(deps.db ? { db: deps.db } : {}),
    ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
    ...(deps.rateLimitBuckets ? { rateLimitBuckets: deps.rateLimitBuckets } : {}),
    ...(deps.extraOrigins ? { extraOrigins: deps.extraOrigins } : {}),
    ...(deps.imageOrigins ? { imageOrigins: deps.imageOrigins } : {}),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lasso API',
        description: "Mirror a Spotify Jam host's Last.fm scrobbles onto guests' profiles.",
        version: '0.1.0',
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  // One of each per app, shared by every route module (a logout must reach the session routes').
  const routeDeps: RouteDeps<D> = {
    ...deps,
    sessionCache: deps.sessionCache ?? createSessionCache(),
    statusCache: deps.statusCache ?? createStatusCache({ clock: deps.clock }),
  };
  await opsRoutes(app, routeDeps);
  for (const routes of deps.routes ?? []) await routes(app, routeDeps);
  return app;
}
