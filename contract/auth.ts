/** Sign-in, sign-out and "who am I". */
import { z } from 'zod';
import { Username } from './common.js';
import { SIGN_IN_ERRORS } from './constants.js';

export { SIGN_IN_ERRORS };

/**
 * A place inside the app to come back to after sign-in (e.g. an invite `/j/maya`): a path on
 * this origin. `//host` and backslashes are refused, since browsers treat them as other origins.
 */
export const ReturnTo = z
  .string()
  .max(512, 'return_to is too long')
  .regex(/^\/(?![/\\])[\x21-\x7e]*$/, 'return_to must be a path inside the app')
  .refine((p) => !p.includes('\\'), 'return_to must be a path inside the app');

/** POST /api/auth/init body (optional). */
export const AuthInitRequest = z.object({ return_to: ReturnTo.optional() }).strict();
export type AuthInitRequest = z.infer<typeof AuthInitRequest>;

/** POST /api/auth/init answer: where to send the browser. */
export const AuthInitResponse = z.object({ auth_url: z.string() });
export type AuthInitResponse = z.infer<typeof AuthInitResponse>;

/**
 * GET /api/auth/callback query. Last.fm appends `token`; `state` is ours. Failures redirect to
 * `/?error=CODE` instead of answering JSON, so the route validates this itself (not as a route
 * schema, which would answer 400 JSON to a browser navigation).
 */
export const AuthCallbackQuery = z.object({
  token: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/),
  state: z
    .string()
    .min(16)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/),
});
export type AuthCallbackQuery = z.infer<typeof AuthCallbackQuery>;

/** A sign-in failure code (see `SIGN_IN_ERRORS`). */
export const SignInError = z.enum(SIGN_IN_ERRORS);
export type SignInError = z.infer<typeof SignInError>;

/** GET /api/me answer. `demo`: Lasso talks to its built-in Last.fm emulator. */
export const MeResponse = z.object({ username: Username, demo: z.boolean() });
export type MeResponse = z.infer<typeof MeResponse>;

/**
 * POST /api/auth/disconnect answer. Lasso then holds nothing about the guest; `dropped` counts
 * the host scrobbles that were still waiting to be sent and never will be.
 */
export const DisconnectResponse = z.object({
  success: z.literal(true),
  dropped: z.number().int().nonnegative(),
});
export type DisconnectResponse = z.infer<typeof DisconnectResponse>;
