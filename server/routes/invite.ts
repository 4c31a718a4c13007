/**
 * GET /api/invite/:username/qr.svg: a QR code of the host's invite link `PUBLIC_URL/j/:username`,
 * for guests in the room to scan. Public (no session): it shows only what the link says.
 */
import QRCode from 'qrcode';
import { InviteParams } from '../../contract/index.js';
import type { RouteModule } from '../deps.js';

/** How long browsers and proxies may keep a QR code: it depends only on the URL. */
const QR_MAX_AGE_S = 24 * 60 * 60;

/** The invite link of a host. */
export function inviteUrl(publicUrl: string, username: string): string {
  return `${publicUrl}/j/${encodeURIComponent(username)}`;
}

/** The invite QR route. */
export const inviteRoutes: RouteModule = (app, deps) => {
  app.get(
    '/api/invite/:username/qr.svg',
    {
      schema: {
        tags: ['invite'],
        params: InviteParams,
        produces: ['image/svg+xml'],
      },
    },
    async (request, reply) => {
      const url = inviteUrl(deps.config.http.publicUrl, request.params.username);
      const svg = await QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('cache-control', `public, max-age=${QR_MAX_AGE_S}`)
        .send(svg);
    },
  );
};
