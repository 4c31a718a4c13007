/**
 * Shared pieces of the HTTP contract: error body and codes, usernames, states and reasons.
 *
 * Time units, everywhere in the API: a scrobble's `timestamp` is UNIX **seconds** (Last.fm's own
 * unit, and the original design's); every other instant (`started_at`, `last_poll`, `held_until`,
 * `since`, …) is epoch **milliseconds**, what `Date.now()` and `new Date(ms)` use in the browser.
 * Ids are opaque strings.
 */
import { z } from 'zod';
import {
  ERROR_CODES,
  FOLLOW_STATES,
  NOT_STARTED,
  PAUSE_REASONS,
  STOP_REASONS,
  USERNAME_PATTERN,
} from './constants.js';

export { ERROR_CODES, USERNAME_PATTERN };

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

/** Epoch milliseconds. Give each field its own `epochMs(...)` description in the API. */
export const EpochMs = z.number().int().nonnegative();

/** UNIX seconds, Last.fm's unit for scrobble timestamps. */
export const UnixSeconds = z.number().int().nonnegative();

/** An instant field, described with its unit in the OpenAPI description. */
export function epochMs(what: string) {
  return EpochMs.describe(`${what} (epoch milliseconds, UTC)`);
}

/** A scrobble time field (Last.fm's unit), described with its unit in the OpenAPI description. */
export function unixSeconds(what: string) {
  return UnixSeconds.describe(`${what} (UNIX seconds, UTC)`);
}

/** The state of the guest's current follow; `not_started` when there is none. */
export const FollowState = z.enum([NOT_STARTED, ...FOLLOW_STATES]);
export type FollowState = z.infer<typeof FollowState>;

/** Why a follow stopped. */
export const StopReason = z.enum(STOP_REASONS);
export type StopReason = z.infer<typeof StopReason>;

/** Why a follow is paused: by the user, or because the guest's own account already scrobbles the jam. */
export const PauseReason = z.enum(PAUSE_REASONS);
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
  timestamp: unixSeconds('When the host started the track, as Last.fm records it'),
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

/**
 * How many host scrobbles of a follow are in each status. `pending`: waiting to be sent;
 * `held`: waiting for Last.fm's daily scrobble limit to reset.
 */
export const ScrobbleCounts = z.object({
  pending: z.number().int().nonnegative(),
  mirrored: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
  held: z.number().int().nonnegative(),
});
export type ScrobbleCounts = z.infer<typeof ScrobbleCounts>;

/**
 * Last.fm's answer to one scrobble: `lastfm_code` 0 once accepted, its ignored code 1..5 once
 * ignored (1 artist ignored, 2 track ignored, 3 timestamp too old, 4 timestamp too new, 5 daily
 * limit; Last.fm mostly says 1 whatever the reason), Lasso's own negative codes (-1 gave up after
 * repeated failures, -2 already on the guest's profile from their own scrobbling, -3 never sent: an
 * artist, track or album name over 800 UTF-8 bytes, cut to fit, is not the track's real name), null
 * before an answer. `lastfm_message` is Last.fm's text, when it gave one, else Lasso's reason.
 */
export const LastfmAnswer = z.object({
  lastfm_code: z.number().int().nullable(),
  lastfm_message: z.string().nullable(),
});
export type LastfmAnswer = z.infer<typeof LastfmAnswer>;

/** Paging facts returned beside a page of items. */
export const PageInfo = z.object({
  page: z.number().int().min(1),
  per_page: z.number().int().min(1),
  total: z.number().int().nonnegative(),
});
