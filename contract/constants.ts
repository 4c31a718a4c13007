/**
 * The contract's plain values, with no schema library behind them: what the web app may import
 * as values (it imports everything else from `contract/` as types only, so zod stays out of the
 * browser bundle). The schema modules re-export these.
 */

/** Every error code the API answers with. The first seven are the original design's. */
export const ERROR_CODES = [
  'AUTH_REQUIRED',
  'SESSION_EXPIRED',
  'INVALID_REQUEST',
  'TARGET_NOT_FOUND',
  'TARGET_PRIVATE',
  'RATE_LIMIT',
  'LASTFM_ERROR',
  'INVALID_STATE',
  'TARGET_IS_SELF',
  'FORBIDDEN_ORIGIN',
  'NOT_FOUND',
  'INTERNAL_ERROR',
] as const;

/**
 * A Last.fm username as typed by a person. Last.fm itself is commonly said to allow 2–15
 * characters (letters, digits, `_`, `-`, starting with a letter), but that rule is not in the
 * API docs and old accounts may predate it, so this is deliberately lenient: trimmed, 1–64
 * characters of letters, digits, `_`, `.`, `-`. Last.fm answers "user not found" for the rest,
 * which becomes TARGET_NOT_FOUND. Compare usernames case-insensitively (Last.fm does).
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

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

/**
 * Whether a new follow also mirrors the host's now-playing onto the guest's profile, when the
 * request does not say. Off: it costs a Last.fm call per track per guest, and a guest's profile
 * showing "now playing" is a nicety, not the promise. The engine and the web app use this value.
 */
export const MIRROR_NOW_PLAYING_DEFAULT = false;

/**
 * Where a follow stands (`follows.state`). The store's, the engine's and the API's types of it
 * are derived from these lists, declared once here since every part may import `contract/`.
 */
export const FOLLOW_STATES = ['active', 'paused', 'stopped'] as const;

/** The API's state of a guest with no follow yet (`GET /api/session/status`). */
export const NOT_STARTED = 'not_started';

/** Why a follow stopped (`follows.stop_reason`). */
export const STOP_REASONS = [
  'stopped_by_user',
  'switched',
  'jam_ended',
  'max_duration',
  'target_not_found',
  'target_private',
  'auth_revoked',
] as const;

/** Why a follow is paused (`follows.pause_reason`): the user, or the guest's own scrobbling. */
export const PAUSE_REASONS = ['user', 'already_scrobbling'] as const;
