/**
 * Shared pieces of the HTTP contract: error body and codes, usernames, states and reasons.
 *
 * Time units, everywhere in the API: a scrobble's `timestamp` is UNIX **seconds** (Last.fm's own
 * unit, and the original design's); every other instant (`started_at`, `last_poll`, `held_until`,
 * `since`, …) is epoch **milliseconds**, what `Date.now()` and `new Date(ms)` use in the browser.
 * Ids are opaque strings.
 */
import { z } from 'zod';

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

/** A stable error code, for the web app to branch on (never on the message). */
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The body of every 4xx/5xx JSON answer. `details` is a readable string, never a stack. */
export const ErrorBody = z
  .object({
    error: z.string(),
    details: z.string().optional(),
    code: ErrorCode,
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * A Last.fm username as typed by a person. Last.fm itself is commonly said to allow 2–15
 * characters (letters, digits, `_`, `-`, starting with a letter), but that rule is not in the
 * API docs and old accounts may predate it, so this is deliberately lenient: trimmed, 1–64
 * characters of letters, digits, `_`, `.`, `-`. Last.fm answers "user not found" for the rest,
 * which becomes TARGET_NOT_FOUND. Compare usernames case-insensitively (Last.fm does).
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** A Last.fm username (see `USERNAME_PATTERN`). */
export const Username = z
  .string()
  .trim()
  .min(1, 'enter a Last.fm username')
  .max(64, 'a Last.fm username has at most 64 characters')
  .regex(USERNAME_PATTERN, 'a Last.fm username has only letters, digits, "_", "." and "-"');

/** An opaque id (follows, …). */
export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a valid id');

/** Epoch milliseconds. */
export const EpochMs = z.number().int().nonnegative();

/** UNIX seconds, Last.fm's unit for scrobble timestamps. */
export const UnixSeconds = z.number().int().nonnegative();

/** The state of the guest's current follow; `not_started` when there is none. */
export const FollowState = z.enum(['not_started', 'active', 'paused', 'stopped']);
export type FollowState = z.infer<typeof FollowState>;

/** Why a follow stopped. */
export const StopReason = z.enum([
  'stopped_by_user',
  'switched',
  'jam_ended',
  'max_duration',
  'target_not_found',
  'target_private',
  'auth_revoked',
]);
export type StopReason = z.infer<typeof StopReason>;

/** Why a follow is paused: by the user, or because the guest's own account already scrobbles the jam. */
export const PauseReason = z.enum(['user', 'already_scrobbling']);
export type PauseReason = z.infer<typeof PauseReason>;

/** Where one host scrobble stands for this guest. `held`: waiting for the daily limit to reset. */
export const ScrobbleStatus = z.enum(['pending', 'mirrored', 'ignored', 'held']);
export type ScrobbleStatus = z.infer<typeof ScrobbleStatus>;

/** A track image URL from Last.fm, or null. */
export const ImageUrl = z.string().nullable();

/** A scrobble as shown to the guest (no status). */
export const TrackPlay = z.object({
  artist: z.string(),
  track: z.string(),
  /** "" when Last.fm has no album. */
  album: z.string(),
  timestamp: UnixSeconds,
  image_url: ImageUrl,
});
export type TrackPlay = z.infer<typeof TrackPlay>;

/** A track the host is playing right now (no timestamp: it is not a scrobble yet). */
export const NowPlayingTrack = z.object({
  artist: z.string(),
  track: z.string(),
  album: z.string(),
  image_url: ImageUrl,
});
export type NowPlayingTrack = z.infer<typeof NowPlayingTrack>;

/** `{success: true}`, the answer of actions with nothing else to say. */
export const SuccessResponse = z.object({ success: z.literal(true) });
export type SuccessResponse = z.infer<typeof SuccessResponse>;

/** Paging of long lists: 1-based `page`, `per_page` 1..200 (default 50). */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  per_page: z.coerce.number().int().min(1).max(200).default(50),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** Paging facts returned beside a page of items. */
export const PageInfo = z.object({
  page: z.number().int().min(1),
  per_page: z.number().int().min(1),
  total: z.number().int().nonnegative(),
});
