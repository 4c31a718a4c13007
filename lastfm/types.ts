/**
 * The typed face of the Last.fm client: what the engine and the server call. Values here are
 * already parsed (numbers are numbers, a bare object is a one-element list, the now-playing row is
 * apart from the scrobbles). The wire shapes live in `schemas.ts`. Every string is clean and every
 * name within `NAME_MAX_BYTES` (`text.ts`).
 */
import type { UnmirrorableReason } from './text.js';

export type { UnmirrorableReason } from './text.js';

/** A scrobble read from a user's history. `timestamp` is UNIX seconds (when the track started). */
export interface Scrobble {
  artist: string;
  track: string;
  /** "" when Last.fm has no album. */
  album: string;
  timestamp: number;
  /** "" when none. */
  mbid: string;
  /** The largest image Last.fm gave, or null. */
  imageUrl: string | null;
  /**
   * Set when this scrobble must not be copied to a guest: a name was longer than
   * `NAME_MAX_BYTES` and is cut here (ending in "…"), so it is not the track's real name.
   */
  unmirrorable?: UnmirrorableReason;
}

/** The row Last.fm marks `nowplaying`: it has no timestamp and is never a scrobble. */
export interface NowPlaying {
  artist: string;
  track: string;
  album: string;
  mbid: string;
  imageUrl: string | null;
  /** As on `Scrobble`: its names are cut, so it must not be sent as a guest's now-playing. */
  unmirrorable?: UnmirrorableReason;
}

export interface RecentTracksQuery {
  user: string;
  /** 1..200; default 200. */
  limit?: number;
  /** 1-based; default 1. */
  page?: number;
  /** UNIX seconds; Last.fm: "only display scrobbles after this time". */
  from?: number;
  /** UNIX seconds; "only display scrobbles before this time". */
  to?: number;
  /** Fetch every page and concatenate (deduplicated on timestamp + artist + track). */
  allPages?: boolean;
  /** With `allPages`, stop after this many pages (a safety cap). Default 20. */
  maxPages?: number;
  /** Read as this user: signed with `sk`, so a private user's own history is readable. */
  sessionKey?: string;
}

export interface RecentTracks {
  /** Newest first, never the now-playing row. */
  scrobbles: Scrobble[];
  nowPlaying: NowPlaying | null;
  page: number;
  totalPages: number;
  total: number;
  perPage: number;
}

export interface UserInfo {
  name: string;
  realname: string;
  playcount: number;
  registeredAt: number | null;
  url: string;
  imageUrl: string | null;
  subscriber: boolean;
}

export interface TrackInfo {
  artist: string;
  track: string;
  /** Milliseconds; null when Last.fm does not know (it says 0). */
  durationMs: number | null;
}

export interface SessionInfo {
  name: string;
  key: string;
  subscriber: boolean;
}

/** One item to scrobble. */
export interface ScrobbleInput {
  artist: string;
  track: string;
  timestamp: number;
  album?: string;
  albumArtist?: string;
  /** Seconds. */
  duration?: number;
}

/** What Last.fm answered for one item of a batch, in the order sent. */
export interface ScrobbleItemResult {
  artist: string;
  track: string;
  timestamp: number;
  accepted: boolean;
  /** 0 when accepted; 1..5 otherwise (Last.fm mostly says 1 whatever the reason). */
  ignoredCode: number;
  ignoredMessage: string;
}

export interface ScrobbleResult {
  accepted: number;
  ignored: number;
  items: ScrobbleItemResult[];
}

export interface NowPlayingInput {
  artist: string;
  track: string;
  album?: string;
  duration?: number;
}

export interface NowPlayingResult {
  accepted: boolean;
  ignoredCode: number;
}

/** The Last.fm methods Lasso uses. Every failure is a `LastfmError` (see `errors.ts`). */
export interface LastfmApi {
  /** The browser URL of Last.fm's consent page for this app, returning to `callbackUrl`. */
  authUrl(callbackUrl: string): string;
  getSession(token: string, signal?: AbortSignal): Promise<SessionInfo>;
  /** `user` omitted: the user of `sessionKey`. */
  getUserInfo(user: string | { sessionKey: string }, signal?: AbortSignal): Promise<UserInfo>;
  getRecentTracks(query: RecentTracksQuery, signal?: AbortSignal): Promise<RecentTracks>;
  getTrackInfo(artist: string, track: string, signal?: AbortSignal): Promise<TrackInfo>;
  /** 1..50 items. Never retried by the client. */
  scrobble(
    sessionKey: string,
    items: ScrobbleInput[],
    signal?: AbortSignal,
  ): Promise<ScrobbleResult>;
  /** Best effort. Never retried by the client. */
  updateNowPlaying(
    sessionKey: string,
    item: NowPlayingInput,
    signal?: AbortSignal,
  ): Promise<NowPlayingResult>;
}

/** Paces requests to Last.fm. One per process by default; replaceable by one shared through Postgres. */
export interface RateLimiter {
  /** Resolves when one more request may go out. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<void>;
}
