/**
 * The Last.fm client: the methods Lasso uses, over `caller.ts`. Reads are retried on transient
 * failures; writes (track.scrobble, track.updateNowPlaying) and auth.getSession are sent exactly
 * once, because only the engine knows whether sending again is safe (and a token is single use).
 */
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import { systemClock, type Clock } from '../lib/clock.js';
import { systemRandom, type Random } from '../lib/random.js';
import { createCaller, type Caller, type CallerConfig, type LastfmCallEvent } from './caller.js';
import { LastfmError } from './errors.js';
import { createLocalRateLimiter } from './rate-limiter.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './retry.js';
import {
  nowPlayingResponse,
  recentTracksResponse,
  scrobbleResponse,
  sessionResponse,
  trackInfoResponse,
  userInfoResponse,
  type RecentTracksPage,
} from './schemas.js';
import { undiciTransport, type Transport } from './transport.js';
import type {
  LastfmApi,
  RateLimiter,
  RecentTracks,
  RecentTracksQuery,
  ScrobbleInput,
  ScrobbleResult,
} from './types.js';

export const DEFAULT_API_URL = 'https://ws.audioscrobbler.com/2.0/';
export const DEFAULT_AUTH_URL = 'https://www.last.fm/api/auth/';
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_READ_RETRIES = 3;
export const DEFAULT_REQUESTS_PER_SECOND = 5;
export const MAX_RECENT_TRACKS_LIMIT = 200;
export const MAX_SCROBBLE_BATCH = 50;
export const DEFAULT_MAX_PAGES = 20;

/** Options of `createLastfmClient`. Only the key and the secret are required. */
export interface LastfmClientOptions {
  apiKey: string;
  apiSecret: string;
  /** `LASTFM_API_URL`; default `https://ws.audioscrobbler.com/2.0/`. */
  apiUrl?: string;
  /** `LASTFM_AUTH_URL`; default `https://www.last.fm/api/auth/`. */
  authUrl?: string;
  /** Shared pacing; default a local token bucket at `requestsPerSecond`. */
  rateLimiter?: RateLimiter;
  /** For the default limiter; default 5. */
  requestsPerSecond?: number;
  /** Per attempt, real time; default 10 000. */
  timeoutMs?: number;
  /** Retries of a read after its first attempt; default 3. */
  maxReadRetries?: number;
  backoff?: BackoffPolicy;
  /** For back-off waits and the default limiter; default the system clock. */
  clock?: Clock;
  /** Back-off jitter; default `Math.random`. */
  random?: Random;
  /** Default `Lasso/<package.json version>`. */
  userAgent?: string;
  /** Replaces the HTTP exchange (unit tests); default undici. */
  transport?: Transport;
  /** For the default transport: an undici agent or pool. */
  dispatcher?: Dispatcher;
  /** Called after every attempt, for metrics and logs. */
  onCall?: (event: LastfmCallEvent) => void;
}

let cachedVersion: string | undefined;

/** `Lasso/<version>`, the version read once from the package.json above this file (src or dist). */
export function defaultUserAgent(): string {
  if (cachedVersion === undefined) {
    const require = createRequire(import.meta.url);
    cachedVersion = '0.0.0';
    for (const path of ['../package.json', '../../package.json']) {
      try {
        const pkg = require(path) as { name?: string; version?: string };
        if (pkg.name === 'lasso' && pkg.version) {
          cachedVersion = pkg.version;
          break;
        }
      } catch {
        // Not at this level (dist/ is one deeper); try the next.
      }
    }
  }
  return `Lasso/${cachedVersion}`;
}

function fatal(method: string, message: string): LastfmError {
  return new LastfmError('fatal', 0, `${method}: ${message}`, null, method);
}

/** The caller's settings: the options with their defaults filled in. */
function callerConfig(opts: LastfmClientOptions): CallerConfig {
  const clock = opts.clock ?? systemClock;
  const requestsPerSecond = opts.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND;
  return {
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    apiUrl: opts.apiUrl ?? DEFAULT_API_URL,
    userAgent: opts.userAgent ?? defaultUserAgent(),
    transport: opts.transport ?? undiciTransport(opts.dispatcher),
    rateLimiter: opts.rateLimiter ?? createLocalRateLimiter({ requestsPerSecond, clock }),
    clock,
    random: opts.random ?? systemRandom,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxReadRetries: opts.maxReadRetries ?? DEFAULT_MAX_READ_RETRIES,
    backoff: opts.backoff ?? DEFAULT_BACKOFF,
    onCall: opts.onCall,
  };
}

/** Builds the client. Every failure of its methods is a `LastfmError`, or the abort reason. */
export function createLastfmClient(opts: LastfmClientOptions): LastfmApi {
  const authBase = opts.authUrl ?? DEFAULT_AUTH_URL;
  const call = createCaller(callerConfig(opts));

  return {
    authUrl(callbackUrl) {
      const sep = authBase.includes('?') ? '&' : '?';
      const key = encodeURIComponent(opts.apiKey);
      return `${authBase}${sep}api_key=${key}&cb=${encodeURIComponent(callbackUrl)}`;
    },

    getSession(token, signal) {
      const spec = { method: 'auth.getSession', args: { token }, secrets: [token] };
      return call(
        { ...spec, signed: true, retry: false, userScoped: false, schema: sessionResponse },
        signal,
      );
    },

    getUserInfo(user, signal) {
      const base = { method: 'user.getInfo', retry: true, schema: userInfoResponse };
      if (typeof user === 'string') {
        return call({ ...base, args: { user }, signed: false, userScoped: true }, signal);
      }
      return call(
        { ...base, args: {}, sessionKey: user.sessionKey, signed: true, userScoped: false },
        signal,
      );
    },

    getRecentTracks: (query, signal) => getRecentTracks(call, query, signal),

    getTrackInfo(artist, track, signal) {
      const spec = { method: 'track.getInfo', args: { artist, track }, signed: false };
      return call({ ...spec, retry: true, userScoped: false, schema: trackInfoResponse }, signal);
    },

    scrobble: (sessionKey, items, signal) => scrobble(call, sessionKey, items, signal),

    updateNowPlaying(sessionKey, item, signal) {
      const args: Record<string, string> = { artist: item.artist, track: item.track };
      if (item.album) args.album = item.album;
      if (item.duration !== undefined && item.duration > 0) args.duration = String(item.duration);
      const spec = { method: 'track.updateNowPlaying', args, sessionKey, signed: true };
      return call({ ...spec, retry: false, userScoped: false, schema: nowPlayingResponse }, signal);
    },
  };
}

function recentTracksPage(
  call: Caller,
  q: RecentTracksQuery,
  page: number,
  signal?: AbortSignal,
): Promise<RecentTracksPage> {
  const args: Record<string, string> = {
    user: q.user,
    limit: String(q.limit ?? MAX_RECENT_TRACKS_LIMIT),
    page: String(page),
  };
  if (q.from !== undefined) args.from = String(q.from);
  if (q.to !== undefined) args.to = String(q.to);
  // With a session key the caller adds `sk`, signs and POSTs, so the key never lands in a URL.
  const sessionKey = q.sessionKey === undefined ? {} : { sessionKey: q.sessionKey };
  const spec = { method: 'user.getRecentTracks', args, ...sessionKey, retry: true };
  return call({ ...spec, signed: false, userScoped: true, schema: recentTracksResponse }, signal);
}

function validateRecentTracksQuery(q: RecentTracksQuery): void {
  const m = 'user.getRecentTracks';
  const limit = q.limit ?? MAX_RECENT_TRACKS_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_TRACKS_LIMIT) {
    throw fatal(m, `limit must be 1..${MAX_RECENT_TRACKS_LIMIT}`);
  }
  if (q.page !== undefined && (!Number.isInteger(q.page) || q.page < 1)) {
    throw fatal(m, 'page must be a positive integer');
  }
  if (q.maxPages !== undefined && (!Number.isInteger(q.maxPages) || q.maxPages < 1)) {
    throw fatal(m, 'maxPages must be a positive integer');
  }
  if (q.sessionKey === '') throw fatal(m, 'sessionKey must not be empty');
}

/**
 * One page, or with `allPages` every page from `page` until the last or `maxPages`: rows are
 * deduplicated on (timestamp, artist, track), since a scrobble arriving while paging shifts rows
 * onto the next page, and kept newest first. `page` of the result is the last page fetched.
 */
async function getRecentTracks(
  call: Caller,
  q: RecentTracksQuery,
  signal?: AbortSignal,
): Promise<RecentTracks> {
  validateRecentTracksQuery(q);
  const first = q.page ?? 1;
  let last = await recentTracksPage(call, q, first, signal);
  if (!q.allPages) return last;
  const seen = new Set<string>();
  const scrobbles: RecentTracks['scrobbles'] = [];
  const nowPlaying = last.nowPlaying;
  const maxPages = q.maxPages ?? DEFAULT_MAX_PAGES;
  for (let fetched = 1; ; fetched++) {
    for (const s of last.scrobbles) {
      const key = `${s.timestamp}\u0000${s.artist}\u0000${s.track}`;
      if (seen.has(key)) continue;
      seen.add(key);
      scrobbles.push(s);
    }
    if (last.page >= last.totalPages || fetched >= maxPages) break;
    last = await recentTracksPage(call, q, last.page + 1, signal);
  }
  // Stable: rows with one timestamp keep Last.fm's order.
  scrobbles.sort((a, b) => b.timestamp - a.timestamp);
  return { ...last, scrobbles, nowPlaying };
}

/** A batch of 1..50 in `[i]` notation (allowed for one item too); empty albums are left out. */
function scrobbleArgs(items: ScrobbleInput[]): Record<string, string> {
  const args: Record<string, string> = {};
  items.forEach((item, i) => {
    args[`artist[${i}]`] = item.artist;
    args[`track[${i}]`] = item.track;
    args[`timestamp[${i}]`] = String(item.timestamp);
    if (item.album) args[`album[${i}]`] = item.album;
    if (item.albumArtist) args[`albumArtist[${i}]`] = item.albumArtist;
    if (item.duration !== undefined && item.duration > 0)
      args[`duration[${i}]`] = String(item.duration);
  });
  return args;
}

async function scrobble(
  call: Caller,
  sessionKey: string,
  items: ScrobbleInput[],
  signal?: AbortSignal,
): Promise<ScrobbleResult> {
  const m = 'track.scrobble';
  if (items.length < 1 || items.length > MAX_SCROBBLE_BATCH) {
    throw fatal(m, `a batch holds 1..${MAX_SCROBBLE_BATCH} items, not ${items.length}`);
  }
  const spec = { method: m, args: scrobbleArgs(items), sessionKey, signed: true, retry: false };
  const res = await call({ ...spec, userScoped: false, schema: scrobbleResponse }, signal);
  if (res.items.length !== items.length) {
    throw fatal(m, `answered ${res.items.length} items for ${items.length} sent`);
  }
  return {
    accepted: res.accepted,
    ignored: res.ignored,
    items: res.items.map((r, i) => {
      const sent = items[i] as ScrobbleInput;
      return {
        artist: r.artist || sent.artist,
        track: r.track || sent.track,
        timestamp: r.timestamp ?? sent.timestamp,
        accepted: r.ignoredMessage.code === 0,
        ignoredCode: r.ignoredMessage.code,
        ignoredMessage: r.ignoredMessage['#text'] ?? '',
      };
    }),
  };
}
