/** Operations routes: liveness, readiness, Prometheus metrics and the OpenAPI description. */
import { HealthResponse, ReadyResponse } from '../../contract/index.js';
import type { RouteModule } from '../deps.js';

/** GET /healthz, /readyz, /metrics, /api/openapi.json. None is rate-limited. */
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

  app.get(
    '/metrics',
    { config: { rateLimit: false }, schema: { hide: true } },
    async (_req, reply) => {
      const { contentType, body } = await deps.metrics.render();
      return reply.type(contentType).send(body);
    },
  );

  app.get('/api/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
