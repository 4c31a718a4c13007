/** Operations routes: liveness, readiness, Prometheus metrics and the OpenAPI description. */
import type { FastifyRequest } from 'fastify';
import { HealthResponse, ReadyResponse } from '../../contract/index.js';
import { safeEqual } from '../crypto.js';
import type { AppDeps, RouteModule, ZodApp } from '../deps.js';
import { AppError } from '../errors.js';

/** GET /healthz, /readyz, /metrics (see `metricsRoute`), /api/openapi.json. None is rate-limited. */
export const opsRoutes: RouteModule = (app, deps) => {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: { tags: ['ops'], response: { 200: HealthResponse } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: { tags: ['ops'], response: { 200: ReadyResponse, 503: ReadyResponse } },
    },
    async (request, reply) => {
      try {
        const readiness = await deps.readiness();
        if (readiness.ready) return { status: 'ready' as const };
        return reply.code(503).send({ status: 'not_ready', details: readiness.details });
      } catch (err) {
        // The error may name hosts or users of the database: log it, do not show it.
        request.log.error({ err }, 'readiness check failed');
        return reply.code(503).send({ status: 'not_ready', details: 'readiness check failed' });
      }
    },
  );

  metricsRoute(app, deps);

  app.get('/api/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};

/**
 * GET /metrics. With `METRICS_TOKEN` set it answers only `Authorization: Bearer <token>` (compared
 * in constant time; anything else is 401). Without it: open outside production, and not served at
 * all in production (404), where the counts (followers, backlog, Last.fm outcomes) are nobody
 * else's business. Never rate-limited: a scrape costs no query (the store's gauges are counted in
 * the background), and guessing a token of 32+ characters is hopeless.
 */
function metricsRoute(app: ZodApp, deps: AppDeps): void {
  const token = deps.config.metricsToken;
  if (token === null && deps.config.environment === 'production') return;
  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { hide: true } },
    async (request, reply) => {
      if (token !== null && !bearerMatches(request, token)) {
        throw new AppError('AUTH_REQUIRED', 401, 'A valid metrics token is required', undefined, {
          'www-authenticate': 'Bearer realm="metrics"',
        });
      }
      const { contentType, body } = await deps.metrics.render();
      return reply.type(contentType).send(body);
    },
  );
}

/** True when the request carries `Authorization: Bearer <token>` (scheme in any case). */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  return match?.[1] !== undefined && safeEqual(match[1], token);
}
