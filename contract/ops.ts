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

/**
 * GET /api/info answer (public): what the web app shows before and after sign-in. `demo`: Lasso
 * talks to its built-in Last.fm emulator; the rest are this deployment's limits.
 */
export const AppInfo = z.object({
  demo: z.boolean(),
  demo_host: z
    .string()
    .nullable()
    .describe('Demo mode: the simulated host that is playing, for guests to follow; else null'),
  history_days: z
    .number()
    .int()
    .nonnegative()
    .describe('Days follows and their scrobbles are kept (0: deleted once stopped and settled)'),
  max_follow_hours: z.number().int().positive().describe('A follow stops after this many hours'),
  idle_stop_minutes: z
    .number()
    .int()
    .positive()
    .describe('A follow stops when the host has played nothing for this many minutes'),
  catch_up_max_hours: z
    .number()
    .nonnegative()
    .describe('How far back a catch-up may start (hours)'),
  catch_up_max_scrobbles: z.number().int().positive().describe('The most a catch-up adds'),
});
export type AppInfo = z.infer<typeof AppInfo>;
