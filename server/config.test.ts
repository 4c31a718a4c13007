import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const SECRET = 'a-session-secret-that-is-long-enough-0123456789';

const production = {
  ENVIRONMENT: 'production',
  LASTFM_API_KEY: 'b25b959554ed76058ac220b7b2e0a026',
  LASTFM_API_SECRET: 'the-lastfm-shared-secret',
  SESSION_SECRET: SECRET,
  PUBLIC_URL: 'https://lasso.example',
};

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, () => 'generated');
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('runs in development demo mode with nothing set', () => {
    const config = loadConfig({}, () => 'generated-secret');
    expect(config).toMatchObject({
      environment: 'development',
      demo: true,
      http: {
        host: '127.0.0.1',
        port: 8080,
        publicUrl: 'http://localhost:8080',
        publicOrigin: 'http://localhost:8080',
        trustProxy: false,
      },
      lastfm: {
        apiKey: null,
        apiSecret: null,
        apiUrl: 'https://ws.audioscrobbler.com/2.0/',
        authUrl: 'https://www.last.fm/api/auth/',
        callbackUrl: 'http://localhost:8080/api/auth/callback',
        requestsPerSecond: 4,
      },
      database: { dataDir: './data' },
      engine: {
        pollingIntervalMs: 20_000,
        idleStopMinutes: 30,
        maxFollowHours: 12,
        historyDays: 30,
      },
      logLevel: 'info',
    });
    expect(config.database.url).toBeUndefined();
  });

  it('derives PUBLIC_URL from PORT and the callback from PUBLIC_URL', () => {
    expect(loadConfig({ PORT: '3000' }).http.publicUrl).toBe('http://localhost:3000');
    const config = loadConfig({ PUBLIC_URL: 'https://lasso.example/' });
    expect(config.http.publicUrl).toBe('https://lasso.example');
    expect(config.lastfm.callbackUrl).toBe('https://lasso.example/api/auth/callback');
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '  ', LOG_LEVEL: '' }).http.port).toBe(8080);
  });

  it('reads every variable when given', () => {
    const config = loadConfig({
      ...production,
      HOST: '127.0.0.1',
      PORT: '9000',
      OAUTH_CALLBACK_URL: 'https://lasso.example/api/auth/callback?v=2',
      LASTFM_API_URL: 'http://127.0.0.1:4000/2.0/',
      LASTFM_AUTH_URL: 'http://127.0.0.1:4000/api/auth/',
      LASTFM_REQUESTS_PER_SECOND: '2.5',
      METRICS_TOKEN: 'a-metrics-token-of-at-least-32-characters',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/lasso',
      DATA_DIR: '/var/lasso',
      POLLING_INTERVAL_MS: '1000',
      IDLE_STOP_MINUTES: '45',
      MAX_FOLLOW_HOURS: '6',
      HISTORY_DAYS: '0',
      LOG_LEVEL: 'debug',
      TRUST_PROXY: '2',
    });
    expect(config).toMatchObject({
      environment: 'production',
      demo: false,
      http: { host: '127.0.0.1', port: 9000, trustProxy: 2 },
      lastfm: {
        apiKey: production.LASTFM_API_KEY,
        apiSecret: production.LASTFM_API_SECRET,
        callbackUrl: 'https://lasso.example/api/auth/callback?v=2',
        apiUrl: 'http://127.0.0.1:4000/2.0/',
        authUrl: 'http://127.0.0.1:4000/api/auth/',
        requestsPerSecond: 2.5,
      },
      metricsToken: 'a-metrics-token-of-at-least-32-characters',
      sessionSecret: SECRET,
      sessionSecretGenerated: false,
      database: { url: 'postgres://postgres@127.0.0.1:5432/lasso', dataDir: '/var/lasso' },
      engine: { pollingIntervalMs: 1000, idleStopMinutes: 45, maxFollowHours: 6, historyDays: 0 },
      logLevel: 'debug',
      warnings: [],
    });
  });
});

describe('loadConfig demo mode and secrets', () => {
  it('is not demo when an API key is set', () => {
    const config = loadConfig({ LASTFM_API_KEY: 'k', LASTFM_API_SECRET: 's' });
    expect(config.demo).toBe(false);
  });

  it('makes a random per-process secret outside production, with a warning', () => {
    const config = loadConfig({ ENVIRONMENT: 'test' }, () => 'generated-secret');
    expect(config.sessionSecret).toBe('generated-secret');
    expect(config.sessionSecretGenerated).toBe(true);
    expect(config.warnings.join('\n')).toMatch(/SESSION_SECRET is not set.*restart/);
  });

  it('makes a different secret for each process by default', () => {
    expect(loadConfig({}).sessionSecret).not.toBe(loadConfig({}).sessionSecret);
    expect(loadConfig({}).sessionSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('trusts one proxy hop in production by default', () => {
    expect(loadConfig(production).http.trustProxy).toBe(1);
  });

  it('listens on loopback only in demo mode unless HOST is set, and on every interface otherwise', () => {
    expect(loadConfig({}).http.host).toBe('127.0.0.1');
    expect(loadConfig({ LASTFM_API_KEY: 'k', LASTFM_API_SECRET: 's' }).http.host).toBe('0.0.0.0');
    expect(loadConfig(production).http.host).toBe('0.0.0.0');
    const open = loadConfig({ HOST: '0.0.0.0' });
    expect(open.http.host).toBe('0.0.0.0');
    expect(open.warnings.join('\n')).toContain(
      'demo mode listening on 0.0.0.0: anyone who can reach it can sign in as a demo user',
    );
    expect(loadConfig({}).warnings.join('\n')).not.toContain('anyone who can reach it');
  });

  it('has no metrics token unless METRICS_TOKEN is set, and says so in production', () => {
    const config = loadConfig(production);
    expect(config.metricsToken).toBeNull();
    expect(config.warnings).toEqual(['METRICS_TOKEN is not set: /metrics is not served (404)']);
  });
});

describe('loadConfig problems', () => {
  it('lists every missing production variable in one error', () => {
    const err = problemsOf({ ENVIRONMENT: 'production' });
    expect(err.problems.map((p) => p.name).sort()).toEqual([
      'LASTFM_API_KEY',
      'LASTFM_API_SECRET',
      'PUBLIC_URL',
      'SESSION_SECRET',
    ]);
    expect(err.message).toContain('is required in production');
  });

  it('refuses a short SESSION_SECRET in production without printing it', () => {
    const err = problemsOf({ ...production, SESSION_SECRET: 'hunter2-short-secret' });
    expect(err.problems).toEqual([
      { name: 'SESSION_SECRET', reason: 'must have at least 32 characters' },
    ]);
    expect(err.message).not.toContain('hunter2');
  });

  it('reports every invalid value at once, in any environment', () => {
    const err = problemsOf({
      ENVIRONMENT: 'staging',
      PORT: 'eighty',
      POLLING_INTERVAL_MS: '999',
      IDLE_STOP_MINUTES: '0',
      MAX_FOLLOW_HOURS: '-3',
      HISTORY_DAYS: '3651',
      LOG_LEVEL: 'loud',
      LASTFM_API_URL: 'ftp://x',
      DATABASE_URL: 'mysql://root:pw@db/x',
      TRUST_PROXY: 'maybe',
    });
    expect(err.problems.map((p) => p.name)).toEqual([
      'ENVIRONMENT',
      'PORT',
      'TRUST_PROXY',
      'LASTFM_API_URL',
      'DATABASE_URL',
      'POLLING_INTERVAL_MS',
      'IDLE_STOP_MINUTES',
      'MAX_FOLLOW_HOURS',
      'HISTORY_DAYS',
      'LOG_LEVEL',
    ]);
    expect(err.message).toContain('POLLING_INTERVAL_MS: must be at least 1000');
    expect(err.message).toContain('HISTORY_DAYS: must be at most 3650');
    expect(err.message).not.toContain('root:pw');
  });

  it('requires the API secret whenever an API key is given', () => {
    expect(problemsOf({ LASTFM_API_KEY: 'k' }).problems).toEqual([
      { name: 'LASTFM_API_SECRET', reason: 'is required when LASTFM_API_KEY is set' },
    ]);
  });

  it('refuses a PUBLIC_URL with a path, or plain http in production', () => {
    expect(problemsOf({ PUBLIC_URL: 'https://x.example/app' }).problems[0]?.name).toBe(
      'PUBLIC_URL',
    );
    const err = problemsOf({ ...production, PUBLIC_URL: 'http://lasso.example' });
    expect(err.problems).toEqual([{ name: 'PUBLIC_URL', reason: 'must be https in production' }]);
  });

  it('refuses plain http Last.fm URLs in production, naming the variable', () => {
    const err = problemsOf({
      ...production,
      LASTFM_API_URL: 'http://ws.audioscrobbler.com/2.0/',
      LASTFM_AUTH_URL: 'http://www.last.fm/api/auth/',
    });
    expect(err.problems).toEqual([
      { name: 'LASTFM_API_URL', reason: 'must be https in production' },
      { name: 'LASTFM_AUTH_URL', reason: 'must be https in production' },
    ]);
    // Outside production an emulator elsewhere on plain http is fine.
    expect(loadConfig({ LASTFM_API_URL: 'http://emulator.test/2.0/' }).lastfm.apiUrl).toBe(
      'http://emulator.test/2.0/',
    );
  });

  it('refuses a METRICS_TOKEN shorter than 32 characters without printing it', () => {
    const err = problemsOf({ METRICS_TOKEN: 'short-metrics-token' });
    expect(err.problems).toEqual([
      { name: 'METRICS_TOKEN', reason: 'must have at least 32 characters' },
    ]);
    expect(err.message).not.toContain('short-metrics-token');
  });

  it("refuses a callback URL on another origin than PUBLIC_URL's", () => {
    const err = problemsOf({ ...production, OAUTH_CALLBACK_URL: 'https://other.example/cb' });
    expect(err.problems.map((p) => p.name)).toEqual(['OAUTH_CALLBACK_URL']);
  });
});
