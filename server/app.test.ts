import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorBody, MeResponse, StartRequest, StartResponse } from '../contract/index.js';
import { LastfmError } from '../lastfm/errors.js';
import type { RouteModule, ZodApp } from './deps.js';
import { errors } from './errors.js';
import { buildTestApp, sameOrigin, testConfig } from './test-support/app.js';

const SESSION_KEY = 'd580d57f32848f5dcf574d1ce18d78b2';

const testRoutes: RouteModule = (app) => {
  app.post(
    '/api/test/start',
    { schema: { body: StartRequest, response: { 200: StartResponse } } },
    async (request) => ({
      success: true as const,
      target_username: request.body.target_username,
      state: 'active' as const,
    }),
  );
  app.get('/api/test/me', { schema: { response: { 200: MeResponse } } }, async () => {
    const row = { username: 'maya', demo: false, session_key: SESSION_KEY };
    return row;
  });
  app.get('/api/test/ip', async (request) => ({ ip: request.ip }));
  app.get('/api/test/boom', async () => {
    throw new Error('connect to db.internal failed for user lasso password hunter2');
  });
  app.get('/api/test/conflict', async () => {
    throw errors.invalidState('the follow is already stopped');
  });
  app.get(
    '/api/test/lastfm/:code',
    { schema: { params: z.object({ code: z.coerce.number().int() }) } },
    async (request) => {
      const { code } = request.params;
      const kind =
        code === 6
          ? 'user_not_found'
          : code === 17
            ? 'private'
            : code === 29
              ? 'retryable'
              : 'fatal';
      throw new LastfmError(
        kind,
        code,
        `Last.fm said ${code} sk=${SESSION_KEY}`,
        code === 29 ? 429 : 400,
      );
    },
  );
};

let app: ZodApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(overrides: Parameters<typeof buildTestApp>[0] = {}) {
  const built = await buildTestApp({ routes: [testRoutes], ...overrides });
  app = built.app;
  return built;
}

describe('ops routes', () => {
  it('answers /healthz', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz from the readiness check', async () => {
    const { app } = await build();
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('answers 503 with details when not ready', async () => {
    const { app } = await build({
      readiness: async () => ({ ready: false, details: 'migrations pending' }),
    });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', details: 'migrations pending' });
  });

  it('answers 503 without the error text when the readiness check throws', async () => {
    const { app, logs } = await build({
      readiness: async () => {
        throw new Error('connect ECONNREFUSED db.internal:5432');
      },
    });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain('db.internal');
    expect(logs.text()).toContain('ECONNREFUSED db.internal:5432');
  });

  it('serves Prometheus metrics', async () => {
    const { app, deps } = await build();
    deps.metrics.scrobblesMirrored('accepted', 2);
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('lasso_scrobbles_mirrored_total{result="accepted"} 2');
    expect(res.body).toContain('# TYPE lasso_poll_duration_seconds histogram');
  });

  it('describes the API in OpenAPI, from the route schemas', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    interface JsonSchema {
      required: string[];
      properties: Record<string, { type: string }>;
    }
    const doc = res.json<{
      openapi: string;
      info: { title: string };
      paths: Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: JsonSchema }> } } } | undefined
      >;
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Lasso API');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/api/test/start']),
    );
    expect(doc.paths['/metrics']).toBeUndefined();
    const body = doc.paths['/api/test/start']!.post.requestBody.content['application/json']!.schema;
    expect(body.required).toContain('target_username');
    expect(body.properties.target_username?.type).toBe('string');
  });
});

describe('client address', () => {
  const forwarded = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' };

  it('ignores X-Forwarded-For by default outside production', async () => {
    const { app } = await build();
    expect((await app.inject({ url: '/api/test/ip', headers: forwarded })).json()).toEqual({
      ip: '127.0.0.1',
    });
  });

  it('trusts exactly TRUST_PROXY hops: the address the front end appended, not a spoofed one', async () => {
    const { app } = await build({ config: testConfig({ TRUST_PROXY: '1' }) });
    expect((await app.inject({ url: '/api/test/ip', headers: forwarded })).json()).toEqual({
      ip: '203.0.113.7',
    });
  });
});

describe('errors', () => {
  it('answers unknown /api routes with a JSON 404', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
  });

  it('hands other unknown paths to the fallback (the web app)', async () => {
    const { app } = await build({
      notFoundFallback: (_request, reply) => reply.type('text/html').send('<!doctype html>'),
    });
    expect((await app.inject({ url: '/j/maya' })).body).toBe('<!doctype html>');
    expect((await app.inject({ url: '/api/nope' })).statusCode).toBe(404);
  });

  it('answers a thrown Error with a generic 500 and logs the detail', async () => {
    const { app, logs } = await build();
    const res = await app.inject({ url: '/api/test/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: 'Something went wrong on our side',
      code: 'INTERNAL_ERROR',
    });
    expect(res.body).not.toContain('hunter2');
    const line = logs.lines().find((l) => l.message === 'request failed');
    expect(line?.severity).toBe('ERROR');
    expect(JSON.stringify(line)).toContain('db.internal');
  });

  it('answers an AppError with its status and code', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/api/test/conflict' });
    expect(res.statusCode).toBe(409);
    expect(ErrorBody.parse(res.json())).toEqual({
      error: 'That is not possible in the current state',
      details: 'the follow is already stopped',
      code: 'INVALID_STATE',
    });
  });

  it('answers an invalid body with 400 INVALID_REQUEST and readable details', async () => {
    const { app } = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/test/start',
      headers: sameOrigin(),
      payload: { target_username: 'no spaces allowed', mirror_now_playing: 'yes' },
    });
    expect(res.statusCode).toBe(400);
    const body = ErrorBody.parse(res.json());
    expect(body.code).toBe('INVALID_REQUEST');
    expect(body.details).toContain('body.target_username:');
    expect(body.details).toContain('body.mirror_now_playing:');
  });

  it('answers invalid JSON and a missing body with 400, never 500', async () => {
    const { app } = await build();
    for (const payload of ['{"target_username":', '', 'null']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/test/start',
        headers: sameOrigin(),
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('INVALID_REQUEST');
    }
  });

  it('answers invalid path parameters with 400', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/api/test/lastfm/abc' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toContain('params');
  });

  it('maps Last.fm failures to API codes without passing their text on', async () => {
    const { app } = await build();
    const cases = [
      [6, 404, 'TARGET_NOT_FOUND'],
      [17, 403, 'TARGET_PRIVATE'],
      [29, 503, 'RATE_LIMIT'],
      [10, 502, 'LASTFM_ERROR'],
    ] as const;
    for (const [code, status, errorCode] of cases) {
      const res = await app.inject({ url: `/api/test/lastfm/${code}` });
      expect(res.statusCode, `error ${code}`).toBe(status);
      expect(res.json().code).toBe(errorCode);
      expect(res.body).not.toContain(SESSION_KEY);
    }
    expect((await app.inject({ url: '/api/test/lastfm/29' })).headers['retry-after']).toBe('60');
  });

  it('sends only the fields of the response schema', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/api/test/me' });
    expect(res.json()).toEqual({ username: 'maya', demo: false });
    expect(res.body).not.toContain(SESSION_KEY);
  });

  it('marks API answers as not cacheable', async () => {
    const { app } = await build();
    expect((await app.inject({ url: '/api/test/me' })).headers['cache-control']).toBe('no-store');
  });
});
