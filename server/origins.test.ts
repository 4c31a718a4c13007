import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { loopbackAliases, loopbackOrigin, onOrigin } from './origins.js';
import { testConfig } from './test-support/app.js';

const withHost = (host: string | undefined) => ({ headers: { host } }) as FastifyRequest;

describe('loopbackAliases', () => {
  it('names every loopback origin on the port of a loopback PUBLIC_URL outside production', () => {
    for (const PUBLIC_URL of [
      'http://localhost:8080',
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
    ]) {
      expect([...loopbackAliases(testConfig({ PUBLIC_URL }))]).toEqual([
        'http://localhost:8080',
        'http://127.0.0.1:8080',
        'http://[::1]:8080',
      ]);
    }
  });

  it('names none in production or for a public host name', () => {
    const production = testConfig({
      ENVIRONMENT: 'production',
      PUBLIC_URL: 'http://localhost:8080',
      LASTFM_API_KEY: 'k',
      LASTFM_API_SECRET: 's',
    });
    expect(loopbackAliases(production).size).toBe(0);
    expect(loopbackAliases(testConfig({ PUBLIC_URL: 'http://lasso.test:8080' })).size).toBe(0);
  });
});

describe('loopbackOrigin', () => {
  const addressed = loopbackOrigin(testConfig({ PUBLIC_URL: 'http://localhost:8080' }));

  it('gives the loopback origin the browser addressed, with PUBLIC_URL’s scheme', () => {
    expect(addressed(withHost('127.0.0.1:8080'))).toBe('http://127.0.0.1:8080');
    expect(addressed(withHost('[::1]:8080'))).toBe('http://[::1]:8080');
    expect(addressed(withHost('LOCALHOST:8080'))).toBe('http://localhost:8080');
  });

  it('gives null for another port, another name or no Host', () => {
    for (const host of ['127.0.0.1:8081', '127.0.0.1', 'evil.example:8080', 'a b', undefined]) {
      expect(addressed(withHost(host)), String(host)).toBeNull();
    }
  });
});

describe('onOrigin', () => {
  it('moves a URL onto another origin, keeping its path and query', () => {
    expect(onOrigin('http://localhost:8080/api/auth/callback?v=2', 'http://[::1]:8080')).toBe(
      'http://[::1]:8080/api/auth/callback?v=2',
    );
  });
});
