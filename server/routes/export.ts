/**
 * GET /api/me/export ("Download my data"): everything Lasso holds about the guest's listening,
 * every follow with every scrobble and Last.fm's answer to it, as a JSON file download.
 */
import { DataExport } from '../../contract/index.js';
import { guestHook, guestOf } from '../auth/guest.js';
import type { ApiDeps, RouteModule } from '../deps.js';
import { exportBody } from './views.js';

/** The download's file name: `lasso-<username>-<yyyy-mm-dd>.json` (UTC date of `now`). */
export function exportFileName(username: string, now: number): string {
  // Usernames are already `[A-Za-z0-9_.-]`; anything else would not belong in a header.
  const safe = username.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `lasso-${safe}-${new Date(now).toISOString().slice(0, 10)}.json`;
}

/** The export route. */
export const exportRoutes: RouteModule<ApiDeps> = (app, deps) => {
  app.get(
    '/api/me/export',
    {
      onRequest: guestHook(deps),
      schema: { tags: ['auth'], response: { 200: DataExport } },
    },
    async (request, reply) => {
      const guest = guestOf(request);
      const now = deps.clock.now();
      const data = await deps.engine.exportData(guest.accountId);
      const file = exportFileName(guest.username, now);
      reply.header('content-disposition', `attachment; filename="${file}"`);
      return exportBody(guest.username, data, now);
    },
  );
};
