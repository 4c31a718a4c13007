/**
 * Sign-in from whatever loopback name the browser used: in development on a loopback PUBLIC_URL,
 * `localhost`, `127.0.0.1` and `[::1]` (with PUBLIC_URL's port) are the app's origin for the
 * request that used them; in production only PUBLIC_URL is.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { uniqueName } from '../../store/test-support/factories.js';
import { AUTH_STATE_COOKIE, COOKIE_NAME } from '../session-cookie.js';
import type { ApiTestApp } from '../test-support/api.js';
import { buildApiTestApp, callback, setCookie } from '../test-support/api.js';
import { testConfig } from '../test-support/app.js';

const PUBLIC_URL = 'http://localhost:8080';
const production = {
  ENVIRONMENT: 'production',
  PUBLIC_URL,
  LASTFM_API_KEY: 'key',
  LASTFM_API_SECRET: 'secret',
};

describeEachDatabase('sign-in from a loopback name', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  /** POST /api/auth/init as a page of `origin` reached at `host`. */
  function init(app: ApiTestApp['app'], host: string, origin: string) {
    return app.inject({ method: 'POST', url: '/api/auth/init', headers: { host, origin } });
  }

  /** The `cb` inside an init answer's auth_url. */
  function cbOf(res: Awaited<ReturnType<typeof init>>): URL {
    const authUrl = new URL(res.json<{ auth_url: string }>().auth_url);
    return new URL(authUrl.searchParams.get('cb')!);
  }

  it('in development, signs in from 127.0.0.1 and [::1] and comes back to the name used', async () => {
    t = await buildApiTestApp(ctx.db, { config: testConfig({ PUBLIC_URL }) });
    for (const host of ['127.0.0.1:8080', '[::1]:8080', 'localhost:8080']) {
      const res = await init(t.app, host, `http://${host}`);
      expect(res.statusCode, host).toBe(200);
      const cb = cbOf(res);
      expect(cb.origin + cb.pathname).toBe(`http://${host}/api/auth/callback`);
      // The browser comes back on that name, with the state cookie it got there.
      const state = setCookie(res, AUTH_STATE_COOKIE)!;
      const { token } = t.lastfm.tokenFor(uniqueName('Maya'));
      const back = await callback(t.app, { token, state }, { [AUTH_STATE_COOKIE]: state });
      expect([back.statusCode, back.headers.location]).toEqual([303, '/']);
      expect(setCookie(back, COOKIE_NAME)).toBeDefined();
    }
  });

  it('in development, still refuses other ports, other names and pages of another origin', async () => {
    t = await buildApiTestApp(ctx.db, { config: testConfig({ PUBLIC_URL }) });
    const refused: Array<[host: string, origin: string]> = [
      ['127.0.0.1:8081', 'http://127.0.0.1:8081'],
      ['evil.example:8080', 'http://evil.example:8080'],
      ['127.0.0.1:8080', 'http://evil.example'],
      ['127.0.0.1:8080', 'http://127.0.0.1:8081'],
      // A page of 127.0.0.1 posting to [::1]: two sites, even on one machine.
      ['[::1]:8080', 'http://127.0.0.1:8080'],
    ];
    for (const [host, origin] of refused) {
      const res = await init(t.app, host, origin);
      expect([res.statusCode, res.json().code], `${host} ${origin}`).toEqual([
        403,
        'FORBIDDEN_ORIGIN',
      ]);
    }
  });

  it('in production, counts only PUBLIC_URL and always calls back there', async () => {
    t = await buildApiTestApp(ctx.db, { config: testConfig(production) });
    const other = await init(t.app, '127.0.0.1:8080', 'http://127.0.0.1:8080');
    expect([other.statusCode, other.json().code]).toEqual([403, 'FORBIDDEN_ORIGIN']);
    // Reached under another name by a page of PUBLIC_URL: the callback stays on PUBLIC_URL.
    const res = await init(t.app, '127.0.0.1:8080', PUBLIC_URL);
    expect(res.statusCode).toBe(200);
    expect(cbOf(res).origin).toBe(PUBLIC_URL);
  });

  it('in development on a public name, calls back to PUBLIC_URL whatever the Host', async () => {
    const config = testConfig({ PUBLIC_URL: 'http://lasso.test:8080' });
    t = await buildApiTestApp(ctx.db, { config });
    const res = await init(t.app, '127.0.0.1:8080', 'http://lasso.test:8080');
    expect(res.statusCode).toBe(200);
    expect(cbOf(res).origin).toBe('http://lasso.test:8080');
    const refused = await init(t.app, '127.0.0.1:8080', 'http://127.0.0.1:8080');
    expect(refused.statusCode).toBe(403);
  });
});
