/** Sign-in, sign-out and "who am I". */
import { z } from 'zod';
import { Username } from './common.js';

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

/**
 * The `error` of `/?error=CODE`, where GET /api/auth/callback sends the browser when sign-in fails:
 * - `STATE_MISMATCH`: the callback's `state` is missing or is not this browser's (the sign-in
 *   began in another browser, or cookies are blocked);
 * - `STATE_EXPIRED`: the state was already used or is older than 10 minutes;
 * - `AUTH_FAILED`: no usable `token`, or Last.fm refused it;
 * - `LASTFM_ERROR`: Last.fm could not be reached or is limiting us: try again later;
 * - `INTERNAL_ERROR`: something failed on our side.
 */
export const SIGN_IN_ERRORS = [
  'STATE_MISMATCH',
  'STATE_EXPIRED',
  'AUTH_FAILED',
  'LASTFM_ERROR',
  'INTERNAL_ERROR',
] as const;
/** A sign-in failure code (see `SIGN_IN_ERRORS`). */
export const SignInError = z.enum(SIGN_IN_ERRORS);
export type SignInError = z.infer<typeof SignInError>;

/** GET /api/me answer. `demo`: Lasso talks to its built-in Last.fm emulator. */
export const MeResponse = z.object({ username: Username, demo: z.boolean() });
export type MeResponse = z.infer<typeof MeResponse>;
