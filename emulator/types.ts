/**
 * Public types of the Last.fm emulator: the options of `startEmulator`, the quirk switches and the
 * bodies of the control API. Field names are the JSON field names of the control routes, so one
 * type serves both the HTTP route and the in-process handle method.
 */
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';

/**
 * Behaviour switches for the points where Last.fm is unverified or inconsistent (docs/lastfm.md,
 * "Open points").
 */
export interface Quirks {
  /** `recenttracks.track` is a bare object when exactly one row would be returned. */
  singleTrackAsObject: boolean;
  /** The now-playing row is added on every page (true) or on page 1 only (false). */
  nowPlayingOnEveryPage: boolean;
  /** `from` matches `uts >= from` (true) or `uts > from` (false). */
  fromInclusive: boolean;
  /** `to` matches `uts <= to` (true) or `uts < to` (false). */
  toInclusive: boolean;
  /** `limit` over 200 on getRecentTracks: error 6 or clamped to 200. */
  limitAbove200: 'error' | 'clamp';
  /** Ignored scrobbles: code "1" with empty text for every reason, or the documented codes 1..5. */
  ignoredCodes: 'faithful' | 'documented';
  /** Error bodies carry an extra `"links":[]` (as around 2015). */
  errorLinks: boolean;
  /** Every error is answered with HTTP 200 (the body still carries `error`). */
  errorsWithHttp200: boolean;
  /** JSON output escapes `/` as `\/`, as Last.fm's PHP does. */
  escapeSlashes: boolean;
  /** `session.subscriber` as the string "0" (old responses) instead of the number 0. */
  sessionSubscriberAsString: boolean;
  /** The error code for reusing a consumed token (unverified): 4 or 15. */
  consumedTokenCode: 4 | 15;
  /** A scrobble whose timestamp is this many seconds old or older is ignored. */
  maxScrobbleAgeSec: number;
  /** A scrobble more than this many seconds in the future is ignored. */
  futureToleranceSec: number;
  /** How long a now-playing entry sent without `duration` lasts. */
  nowPlayingDefaultSec: number;
  /** Accepted API scrobbles per user per UTC day; null for no cap. */
  dailyScrobbleCap: number | null;
  /** Over the cap: items ignored with code 5, or the whole request refused with HTTP 429 / error 29. */
  dailyCapMode: 'ignore' | 'error';
}

/** Per-IP token bucket: `perSecond` on average over `windowSec`, bursts up to their product. */
export interface RateLimitOptions {
  perSecond?: number;
  windowSec?: number;
}

/** An API application (what an API account on last.fm is). */
export interface AppInput {
  api_key: string;
  secret: string;
  callback_url?: string;
  name?: string;
}

/** A user to create. */
export interface UserInput {
  name: string;
  private?: boolean;
}

/** A now-playing entry; `duration` in seconds. */
export interface NowPlayingBody {
  artist: string;
  track: string;
  album?: string;
  duration?: number;
}

/** A scrobble added through the control API; `timestamp` in UNIX seconds. */
export interface ScrobbleBody {
  artist: string;
  track: string;
  album?: string;
  timestamp: number;
}

/** A row of a user's library as the control API returns it. */
export interface ScrobbleRow {
  artist: string;
  track: string;
  album: string;
  timestamp: number;
}

/** A scrobble `track.scrobble` accepted, repeats included, and when (clock ms). */
export interface SubmissionRow extends ScrobbleRow {
  at: number;
}

/** A track the emulator should know, for track.getInfo. */
export interface TrackBody {
  artist: string;
  track: string;
  duration_s: number;
  album?: string;
}

/** A Last.fm error code, an HTTP status, or a transport fault. */
export type FaultCode = 8 | 11 | 16 | 29 | 500 | 502 | 503 | 'timeout' | 'drop';

/** Faults injected into `/2.0/` calls: with probability `rate`, one of `codes` picked at random. */
export interface FaultSpec {
  rate: number;
  codes: FaultCode[];
  /** Method names (case-insensitive) to fault; all methods when absent. */
  methods?: string[];
  /** Reseeds the fault randomness, for repeatable runs. */
  seed?: number;
}

/** One logged `/2.0/` call. `status` is the HTTP status sent, 0 when no answer was sent. */
export interface CallLogEntry {
  /** The call's number, 1, 2, … in the order calls are logged; never reset, so a reader can page. */
  seq: number;
  at: number;
  method: string;
  user: string | null;
  api_key: string | null;
  status: number;
  /** Set when an injected fault decided the answer. */
  fault?: FaultCode;
  /** The client's `address:port`: which connection, so which process, made the call. */
  client: string | null;
  /** When the answer was sent or the connection destroyed (clock ms); null while still held. */
  answered_at: number | null;
}

/** What `GET /_emulator/calls` returns. */
export interface CallsReport {
  total: number;
  by_method: Record<string, number>;
  log: CallLogEntry[];
}

/** One track of a scripted listener's playlist. */
export interface ListenerTrack {
  artist: string;
  track: string;
  album?: string;
  duration_s: number;
}

/** A scripted listener: plays `tracks` in order on the emulator's clock. */
export interface ListenerSpec {
  user: string;
  tracks: ListenerTrack[];
  loop?: boolean;
  /** Probability in 0..1 that a track is skipped part way. */
  skip_rate?: number;
  /** Silence between tracks, seconds. */
  gap_s?: number;
  /** Seed of the skip randomness. */
  seed?: number;
}

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The host name a browser reaches the emulator by (e.g. `localhost` when it listens on
   * 0.0.0.0), for the URLs of its generated pictures. Default: `host` (loopback for a wildcard).
   */
  publicHost?: string;
  /** Default the system clock. Listeners, token expiry, rate limit and caps all use it. */
  clock?: Clock;
  /** Randomness of fault injection. Default `seededRandom(seed ?? 1)`. */
  random?: Random;
  seed?: number;
  apps?: AppInput[];
  /**
   * Users to create, in this order: the sign-in page lists users in the order they were created
   * and pre-selects the first, so put the ones a person should pick first.
   */
  users?: (string | UserInput)[];
  /** false disables the per-IP limiter. Default 5/s over 300 s. */
  rateLimit?: false | RateLimitOptions;
  quirks?: Partial<Quirks>;
  /** Shorthand for `quirks.dailyScrobbleCap`. */
  dailyScrobbleCap?: number | null;
  /** Delay added before every `/2.0/` answer, on the injected clock. Default 0. */
  latencyMs?: number;
  /** How long a "timeout" fault holds a response if the client never gives up. Default 10 min. */
  faultTimeoutMs?: number;
  /** No rate limit and no latency, whatever else is set: for benchmarks. */
  instant?: boolean;
  /** Receives one line per notable event (standalone logging). Default silent. */
  log?: (line: string) => void;
}
