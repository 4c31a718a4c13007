import { describe, expect, it } from 'vitest';
import { buildTestApp, testConfig } from '../test-support/app.js';

const TOKEN = 'a-metrics-token-of-at-least-32-characters-0123';

const production = (env: Record<string, string> = {}) =>
  testConfig({
    ENVIRONMENT: 'production',
    PUBLIC_URL: 'https://lasso.example',
    LASTFM_API_KEY: 'key',
    LASTFM_API_SECRET: 'secret',
    ...env,
  });

async function scrape(config: ReturnType<typeof testConfig>, authorization?: string) {
  const { app, deps } = await buildTestApp({ config });
  deps.metrics.setStoreGauges({
    activeFollows: 3,
    outboxPending: 1,
    hostsOverdue: 0,
    heldGuests: 0,
  });
  try {
    return await app.inject({
      url: '/metrics',
      headers: authorization === undefined ? {} : { authorization },
    });
  } finally {
    await app.close();
  }
}

describe('GET /metrics', () => {
  it('is open outside production without METRICS_TOKEN, gauges included', async () => {
    const res = await scrape(testConfig());
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('lasso_active_follows 3');
    expect(res.body).toContain('lasso_outbox_pending 1');
  });

  it('does not exist in production without METRICS_TOKEN', async () => {
    expect((await scrape(production())).statusCode).toBe(404);
    expect((await scrape(production(), `Bearer ${TOKEN}`)).statusCode).toBe(404);
  });

  it('answers in production only to Authorization: Bearer METRICS_TOKEN', async () => {
    const config = production({ METRICS_TOKEN: TOKEN });
    const bare = await scrape(config);
    expect(bare.statusCode).toBe(401);
    expect(bare.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(bare.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    expect(bare.body).not.toContain('lasso_');
    for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Basic abc']) {
      expect((await scrape(config, wrong)).statusCode).toBe(401);
    }
    const ok = await scrape(config, `Bearer ${TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('lasso_active_follows 3');
    expect((await scrape(config, `bearer ${TOKEN}`)).statusCode).toBe(200);
  });

  it('asks for the token outside production too once METRICS_TOKEN is set', async () => {
    const config = testConfig({ METRICS_TOKEN: TOKEN });
    expect((await scrape(config)).statusCode).toBe(401);
    expect((await scrape(config, `Bearer ${TOKEN}`)).statusCode).toBe(200);
  });
});

describe('HTTP request metrics', () => {
  it('counts each answered request by route template, method and status', async () => {
    const { app } = await buildTestApp({ config: testConfig() });
    try {
      await app.inject({ url: '/healthz' });
      await app.inject({ url: '/healthz' });
      await app.inject({ url: '/api/no-such-route/12345' });
      const { body } = await app.inject({ url: '/metrics' });
      expect(body).toContain(
        'lasso_http_requests_total{route="/healthz",method="GET",status="200"} 2',
      );
      // A path no route matched is one label value, whatever the path: labels stay few.
      expect(body).toMatch(
        /lasso_http_requests_total\{route="unmatched",method="GET",status="404"\} 1/,
      );
      expect(body).not.toContain('no-such-route');
      expect(body).toContain(
        'lasso_http_request_duration_seconds_count{route="/healthz",method="GET"} 2',
      );
    } finally {
      await app.close();
    }
  });
});
