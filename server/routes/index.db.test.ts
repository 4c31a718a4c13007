import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import type { ApiTestApp } from '../test-support/api.js';
import { buildApiTestApp } from '../test-support/api.js';
import { buildTestApp } from '../test-support/app.js';
import { apiRoutes } from './index.js';

describeEachDatabase('the API route set', (ctx) => {
  let t: ApiTestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('describes every route in OpenAPI', async () => {
    t = await buildApiTestApp(ctx.db);
    const res = await t.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/auth/init',
        '/api/auth/callback',
        '/api/auth/logout',
        '/api/auth/disconnect',
        '/api/me',
        '/api/session/start',
        '/api/session/catch-up',
        '/api/session/pause',
        '/api/session/resume',
        '/api/session/stop',
        '/api/session/status',
        '/api/session/events',
        '/api/session/history',
        '/api/session/history/{id}',
        '/api/invite/{username}/qr.svg',
        '/api/me/export',
        '/api/info',
      ]),
    );
  });
});

/**
 * The API routes cannot be built without their dependencies: a compile-time check (`npm run
 * typecheck` fails if the call below compiles), never called.
 */
function _apiRoutesNeedTheirDeps(): void {
  // @ts-expect-error: missing db, engine, keyBox and lastfm.
  void buildTestApp({ routes: apiRoutes });
}
