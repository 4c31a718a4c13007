/**
 * Builds the HTTP app from its dependencies and never listens (`main.ts` does): zod schemas,
 * cookies, security layer, error handling, ops routes, then the route modules passed in.
 */
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppDeps, ZodApp } from './deps.js';
import { registerErrorHandler } from './errors.js';
import { opsRoutes } from './routes/ops.js';
import { registerSecurity } from './security.js';

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

/** Builds the app. Call `inject()` in tests, `listen()` in main; `close()` when done. */
export async function buildApp(deps: AppDeps): Promise<ZodApp> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    trustProxy: trustProxyOption(config.http.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
  }).withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app, deps.logger, deps.notFoundFallback);

  await app.register(cookie);
  await registerSecurity(app, {
    config,
    ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
    ...(deps.extraOrigins ? { extraOrigins: deps.extraOrigins } : {}),
  });
  // API answers are per user and may be personal: never cached by browsers or proxies.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
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

  await opsRoutes(app, deps);
  for (const routes of deps.routes ?? []) await routes(app, deps);
  return app;
}
