/** Health, readiness and the invite QR code. */
import { z } from 'zod';
import { Username } from './common.js';

/** GET /healthz answer: the process is up. */
export const HealthResponse = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** GET /readyz answer: 200 `ready`, or 503 `not_ready` with why (database, migrations, shutdown). */
export const ReadyResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ready') }),
  z.object({ status: z.literal('not_ready'), details: z.string() }),
]);
export type ReadyResponse = z.infer<typeof ReadyResponse>;

/** GET /api/invite/:username/qr.svg path. */
export const InviteParams = z.object({ username: Username });
export type InviteParams = z.infer<typeof InviteParams>;
