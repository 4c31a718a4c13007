import { afterEach, expect, it } from 'vitest';
import { AppInfo } from '../../contract/index.js';
import type { ZodApp } from '../deps.js';
import { buildTestApp, testConfig } from '../test-support/app.js';
import { infoRoutes } from './info.js';

let app: ZodApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

it('tells anyone the mode and the limits in force, from the configuration and engine defaults', async () => {
  ({ app } = await buildTestApp({
    config: testConfig({ HISTORY_DAYS: '0', MAX_FOLLOW_HOURS: '6', IDLE_STOP_MINUTES: '45' }),
    routes: [infoRoutes],
  }));
  const res = await app.inject({ url: '/api/info' });
  expect(res.statusCode).toBe(200);
  expect(AppInfo.parse(res.json())).toEqual({
    demo: true,
    demo_host: 'demo_host',
    history_days: 0,
    max_follow_hours: 6,
    idle_stop_minutes: 45,
    catch_up_max_hours: 12,
    catch_up_max_scrobbles: 50,
  });
});

it('names no demo host outside demo mode', async () => {
  ({ app } = await buildTestApp({
    config: testConfig({ LASTFM_API_KEY: 'k', LASTFM_API_SECRET: 's' }),
    routes: [infoRoutes],
  }));
  const body = (await app.inject({ url: '/api/info' })).json();
  expect(body).toMatchObject({ demo: false, demo_host: null, history_days: 30 });
});
