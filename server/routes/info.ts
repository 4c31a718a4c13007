/** GET /api/info: this deployment's mode and limits, for the web app before and after sign-in. */
import { AppInfo } from '../../contract/index.js';
import { DEMO_HOST } from '../demo.js';
import type { RouteModule } from '../deps.js';
import { engineSettings } from '../engine-settings.js';

/** The public info route. Its answer depends on the configuration only: computed once. */
export const infoRoutes: RouteModule = (app, deps) => {
  const engine = engineSettings(deps.config);
  const info: AppInfo = {
    demo: deps.config.demo,
    demo_host: deps.config.demo ? DEMO_HOST : null,
    history_days: deps.config.engine.historyDays,
    max_follow_hours: engine.maxFollowHours,
    idle_stop_minutes: engine.idleStopMinutes,
    catch_up_max_hours: engine.catchUpMaxHours,
    catch_up_max_scrobbles: engine.catchUpMaxScrobbles,
  };
  app.get(
    '/api/info',
    { schema: { tags: ['info'], response: { 200: AppInfo } } },
    async () => info,
  );
};
