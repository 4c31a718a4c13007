import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteModule, ZodApp } from './deps.js';
import { isApiPath } from './security.js';
import { buildTestApp, sameOrigin, TEST_ORIGIN, testConfig } from './test-support/app.js';

const routes: RouteModule = (app) => {
  app.post('/api/test/action', async () => ({ success: true }));
  app.post(
    '/api/test/echo',
    { schema: { body: z.object({ value: z.string() }) } },
    async (request) => ({ value: request.body.value }),
  );
  app.get('/api/test/read', async () => ({ ok: true }));
};

let app: ZodApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(overrides: Parameters<typeof buildTestApp>[0] = {}) {
  const built = await buildTestApp({ routes: [routes], ...overrides });
  app = built.app;
  return built.app;
}

function csp(header: string | string[] | number | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of String(header).split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values.join(' '));
  }
  return directives;
}

describe('security headers', () => {
  it('sends pages a strict CSP: no inline script, no framing, Last.fm images allowed', async () => {
    const app = await build();
    const res = await app.inject({ url: '/j/maya_plays' });
    const policy = csp(res.headers['content-security-policy']);
    expect(policy.get('default-src')).toBe("'self'");
    expect(policy.get('script-src')).toBe("'self'");
    expect(policy.get('script-src-attr')).toBe("'none'");
    expect(String(res.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(policy.get('frame-ancestors')).toBe("'none'");
    expect(policy.get('img-src')).toBe(
      "'self' data: https://lastfm.freetls.fastly.net https://lastfm-img2.akamaized.net",
    );
    expect(policy.get('style-src')).toBe("'self'");
    expect(policy.get('manifest-src')).toBe("'self'");
    expect(policy.get('worker-src')).toBe("'self'");
    expect(policy.get('form-action')).toBe("'self' https://www.last.fm");
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('allows images from the given origins too (the demo emulator’s art), as origins', async () => {
    const app = await build({ imageOrigins: ['http://localhost:8081/'] });
    const res = await app.inject({ url: '/' });
    expect(csp(res.headers['content-security-policy']).get('img-src')).toBe(
      "'self' data: https://lastfm.freetls.fastly.net https://lastfm-img2.akamaized.net http://localhost:8081",
    );
  });

  it('sends HSTS only in production', async () => {
    const dev = await build();
    expect(
      (await dev.inject({ url: '/healthz' })).headers['strict-transport-security'],
    ).toBeUndefined();
    await dev.close();
    const prod = await build({
      config: testConfig({
        ENVIRONMENT: 'production',
        PUBLIC_URL: 'https://lasso.example',
        LASTFM_API_KEY: 'key',
        LASTFM_API_SECRET: 'secret',
      }),
    });
    const res = await prod.inject({ url: '/' });
    expect(res.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(csp(res.headers['content-security-policy']).has('upgrade-insecure-requests')).toBe(true);
    const api = await prod.inject({ url: '/api/test/read' });
    expect(api.headers['strict-transport-security']).toBe(res.headers['strict-transport-security']);
  });

  it('sends answers that are never pages (/api/*, /healthz, /readyz, /metrics) the short set', async () => {
    const app = await build();
    for (const url of ['/api/test/read', '/api/no/such/route', '/healthz', '/healthz?probe=1']) {
      const res = await app.inject({ url });
      expect(res.headers['content-security-policy'], url).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(res.headers['cross-origin-resource-policy'], url).toBe('same-origin');
      // Page policies: nothing to govern in JSON.
      expect(res.headers['cross-origin-opener-policy'], url).toBeUndefined();
      expect(res.headers['referrer-policy'], url).toBeUndefined();
      expect(res.headers['cache-control'], url).toBe(
        url.startsWith('/api/') ? 'no-store' : undefined,
      );
    }
    // A refusal carries them too.
    const refused = await app.inject({ method: 'POST', url: '/api/test/action' });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-security-policy']).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });

  it('tells API paths from pages by path, ignoring the query', () => {
    for (const url of ['/api/me', '/api/', '/healthz', '/readyz', '/metrics', '/metrics?x=1']) {
      expect(isApiPath(url), url).toBe(true);
    }
    for (const url of ['/', '/j/maya', '/assets/app.js', '/healthzz', '/apix', '/metrics/x']) {
      expect(isApiPath(url), url).toBe(false);
    }
  });
});

describe('origin check', () => {
  it('allows a same-origin POST', async () => {
    const app = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/test/action',
      headers: { origin: TEST_ORIGIN },
    });
    expect(res.statusCode).toBe(200);
  });

  it('falls back to the Referer when there is no Origin', async () => {
    const app = await build();
    const ok = await app.inject({
      method: 'POST',
      url: '/api/test/action',
      headers: { referer: `${TEST_ORIGIN}/j/maya?x=1` },
    });
    expect(ok.statusCode).toBe(200);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/test/action',
      headers: { referer: 'https://evil.example/lasso.test' },
    });
    expect(bad.statusCode).toBe(403);
  });

  it('refuses cross-origin, "null" and origin-less state-changing requests', async () => {
    const app = await build();
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'http://lasso.test.evil.example' },
      { origin: 'null' },
      { origin: 'https://evil.example', referer: `${TEST_ORIGIN}/` },
      {},
    ]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        const res = await app.inject({ method, url: '/api/test/action', headers });
        expect(res.statusCode, `${method} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.json()).toEqual({
          error: 'This request must come from the Lasso app itself',
          code: 'FORBIDDEN_ORIGIN',
        });
      }
    }
  });

  it('lets reads through from anywhere', async () => {
    const app = await build();
    const res = await app.inject({
      url: '/api/test/read',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('accepts extra origins when configured', async () => {
    const app = await build({ extraOrigins: ['http://localhost:5173'] });
    const res = await app.inject({
      method: 'POST',
      url: '/api/test/action',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('JSON bodies', () => {
  it('accepts a JSON body', async () => {
    const app = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: sameOrigin({ 'content-type': 'application/json; charset=utf-8' }),
      payload: { value: 'x' },
    });
    expect(res.json()).toEqual({ value: 'x' });
  });

  it('refuses form and text bodies with 415 INVALID_REQUEST', async () => {
    const app = await build();
    for (const [type, payload] of [
      ['text/plain', '{"value":"x"}'],
      ['application/x-www-form-urlencoded', 'value=x'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/test/echo',
        headers: { origin: TEST_ORIGIN, 'content-type': type },
        payload,
      });
      expect(res.statusCode, type).toBe(415);
      expect(res.json().code).toBe('INVALID_REQUEST');
    }
  });

  it('accepts a POST without body, with or without a JSON content type', async () => {
    const app = await build();
    for (const headers of [{ origin: TEST_ORIGIN }, sameOrigin()]) {
      const res = await app.inject({ method: 'POST', url: '/api/test/action', headers });
      expect(res.statusCode).toBe(200);
    }
  });

  it('refuses __proto__ in JSON and oversized bodies with 4xx', async () => {
    const app = await build();
    const proto = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: sameOrigin(),
      payload: '{"value":"x","__proto__":{"admin":true}}',
    });
    expect(proto.statusCode).toBe(400);
    const big = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: sameOrigin(),
      payload: { value: 'x'.repeat(20_000) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('INVALID_REQUEST');
  });
});
