/**
 * Child process of `bench:http`: a bare Fastify app with one route, `GET /` → `{"hello":"world"}`,
 * default options (no logger, no plugins). The yardstick the status route is compared with.
 */
import Fastify from 'fastify';
import { serveInChild } from './child.js';

await serveInChild(async () => {
  const app = Fastify();
  app.get('/', async () => ({ hello: 'world' }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${url}/`, close: () => app.close() };
});
