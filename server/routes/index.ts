/**
 * The API's route modules, in registration order. `buildApp({ ...deps, routes: apiRoutes })`
 * compiles only with `ApiDeps`: `db`, `engine`, `keyBox` and `lastfm` present.
 */
import type { ApiDeps, RouteModule } from '../deps.js';
import { authRoutes } from './auth.js';
import { eventRoutes } from './events.js';
import { exportRoutes } from './export.js';
import { historyRoutes } from './history.js';
import { infoRoutes } from './info.js';
import { inviteRoutes } from './invite.js';
import { sessionRoutes } from './session.js';

export { createSseHub } from './sse-hub.js';
export type { SseHub, SseHubOptions } from './sse-hub.js';

/** Every /api route besides the ops ones (which `buildApp` always registers). */
export const apiRoutes: readonly RouteModule<ApiDeps>[] = [
  authRoutes,
  sessionRoutes,
  eventRoutes,
  historyRoutes,
  exportRoutes,
  inviteRoutes,
  infoRoutes,
];
