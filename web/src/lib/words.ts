/**
 * Every state, reason and error the server can report, in words a guest understands, with what
 * to do about it. The switches are exhaustive over the contract's types, so a new reason on the
 * server fails the type check here until it has words.
 */
import type {
  AppInfo,
  ErrorCode,
  PauseReason,
  RecentScrobble,
  SignInError,
  StopReason,
} from '../../../contract/index.js';
import { whenText } from './time.js';

/** A banner's title and text. */
export interface Message {
  title: string;
  text: string;
}

/** Limits the words mention. */
export type Limits = Pick<AppInfo, 'idle_stop_minutes' | 'max_follow_hours'>;

/** What went wrong at sign-in (`/?error=CODE`), and what to do. */
export function signInErrorText(code: string): Message {
  const known = code as SignInError;
  switch (known) {
    case 'STATE_MISMATCH':
      return {
        title: 'Sign-in did not finish in this browser',
        text: 'Start it again here. If this browser blocks cookies for this site, allow them first.',
      };
    case 'STATE_EXPIRED':
      return {
        title: 'That sign-in had expired',
        text: 'It was used already or took longer than 10 minutes. Sign in again.',
      };
    case 'AUTH_FAILED':
      return {
        title: 'Last.fm did not confirm the sign-in',
        text: 'Perhaps “Allow access” was not tapped. Sign in again and allow access.',
      };
    case 'LASTFM_ERROR':
      return {
        title: 'Last.fm is not answering',
        text: 'It could not be reached or is busy. Wait a minute, then sign in again.',
      };
    case 'INTERNAL_ERROR':
      return {
        title: 'Something went wrong on our side',
        text: 'Sign in again. If it keeps happening, try again later.',
      };
    default:
      return { title: 'Sign-in did not work', text: 'Sign in again.' };
  }
}

/** Why a follow stopped, as a banner. Null when the guest stopped it themselves. */
export function stopText(reason: StopReason, host: string, limits: Limits): Message | null {
  switch (reason) {
    case 'stopped_by_user':
    case 'switched':
      return null;
    case 'jam_ended':
      return {
        title: 'The jam ended',
        text: `${host} played nothing for ${limits.idle_stop_minutes} minutes, so Lasso stopped following.`,
      };
    case 'max_duration':
      return {
        title: `Stopped after ${limits.max_follow_hours} hours`,
        text: 'A follow stops after that long so none runs forever. Follow again if the jam goes on.',
      };
    case 'target_not_found':
      return {
        title: `${host} is gone from Last.fm`,
        text: `Last.fm no longer knows a user called ${host}, so Lasso stopped following.`,
      };
    case 'target_private':
      return {
        title: `${host}’s listening is private now`,
        text: `Lasso cannot see what ${host} plays, so it stopped. Ask them to show their recent listening on Last.fm, then follow again.`,
      };
    case 'auth_revoked':
      return {
        title: 'Lasso lost access to your Last.fm',
        text: 'Sign in again to go on. Tracks not added yet are kept and sent once you are back.',
      };
  }
}

/** Why a follow is paused, as a banner. */
export function pauseText(reason: PauseReason, host: string): Message {
  switch (reason) {
    case 'user':
      return {
        title: 'Paused',
        text: `Tracks ${host} plays now are not added. Resume when you are back in the jam.`,
      };
    case 'already_scrobbling':
      return {
        title: 'Your own account is scrobbling this jam',
        text: 'Your Last.fm got these tracks by itself (perhaps your Spotify is connected to Last.fm), so Lasso paused to avoid doubles. Resume only if you turned that off.',
      };
  }
}

/** The daily-limit hold, as a banner. */
export function heldText(until: number): Message {
  return {
    title: 'Last.fm’s daily limit is reached',
    text: `Last.fm takes only so many scrobbles a day. The waiting tracks are added after ${whenText(until)}.`,
  };
}

/** Why Last.fm (or Lasso) did not add a scrobble, by its code. */
function ignoredReason(code: number | null): string {
  switch (code) {
    case 1:
      return 'Last.fm ignored the artist';
    case 2:
      return 'Last.fm ignored the track';
    case 3:
      return 'too old for Last.fm';
    case 4:
      return 'Last.fm found its time in the future';
    case 5:
      return 'Last.fm’s daily limit';
    case -1:
      return 'Last.fm kept refusing it';
    case -2:
      return 'already on your profile from your own scrobbling';
    case -3:
      return 'its artist, track or album name is too long to copy';
    case null:
    default:
      return 'Last.fm ignored it';
  }
}

/** A scrobble's state in words: waiting, added, not added (why), held (until when). */
export function scrobbleStateText(
  s: Pick<RecentScrobble, 'status' | 'lastfm_code' | 'lastfm_message'>,
  heldUntil: number | null,
): string {
  switch (s.status) {
    case 'pending':
      return 'Waiting to be added';
    case 'mirrored':
      return 'Added to your profile';
    case 'ignored': {
      const message = s.lastfm_message?.trim();
      return `Not added: ${message ? message : ignoredReason(s.lastfm_code)}`;
    }
    case 'held':
      return heldUntil === null
        ? 'Held by Last.fm’s daily limit'
        : `Held by Last.fm’s daily limit until ${whenText(heldUntil)}`;
  }
}

/** An API error in words; `host` names the username the guest typed, when there is one. */
export function apiErrorText(code: ErrorCode | 'NETWORK', details?: string, host?: string): string {
  switch (code) {
    case 'TARGET_NOT_FOUND':
      return `Last.fm has no user called “${host ?? 'that'}”. Check the spelling.`;
    case 'TARGET_PRIVATE':
      return `${host ?? 'This user'} keeps their listening history private on Last.fm, so Lasso cannot see what they play.`;
    case 'TARGET_IS_SELF':
      return 'That is you. Enter the host’s username: the person whose Spotify plays the jam.';
    case 'RATE_LIMIT':
      return 'Too many requests right now. Wait a moment and try again.';
    case 'LASTFM_ERROR':
      return 'Last.fm did not answer. Try again in a moment.';
    case 'AUTH_REQUIRED':
    case 'SESSION_EXPIRED':
      return 'Your sign-in has expired. Sign in again.';
    case 'INVALID_STATE':
      return `That is not possible right now${details ? `: ${details}` : ''}.`;
    case 'INVALID_REQUEST':
      return details ? `That does not look right: ${details}.` : 'That does not look right.';
    case 'NETWORK':
      return 'No connection. Check your network and try again.';
    case 'FORBIDDEN_ORIGIN':
    case 'NOT_FOUND':
    case 'INTERNAL_ERROR':
      return 'Something went wrong. Try again.';
  }
}
