/**
 * What the server calls on the engine: the follow lifecycle, the guest's status and history, the
 * catch-up preview and the guest's event stream. The engine implements it over the store; the
 * server's tests may implement it with a fake.
 */
import type { NOT_STARTED } from '../contract/constants.js';
import type { FollowState, PauseReason, StopReason, UnmirrorableReason } from './types.js';

export type { FollowState, PauseReason, StopReason };

/** How a mirrored row looks to the guest. `held`: waiting for the daily cap to reset. */
export type ScrobbleStatus = 'pending' | 'mirrored' | 'ignored' | 'held';

export type EngineErrorCode =
  | 'INVALID_STATE'
  | 'INVALID_REQUEST'
  | 'TARGET_NOT_FOUND'
  | 'TARGET_PRIVATE'
  | 'TARGET_IS_SELF'
  | 'RATE_LIMIT'
  | 'LASTFM_ERROR'
  | 'AUTH_REQUIRED';

/** A refusal with a stable code the server maps onto its HTTP error. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

export interface StartFollowOptions {
  /** Mirror the host's now-playing onto the guest's profile (default `MIRROR_NOW_PLAYING_DEFAULT`). */
  mirrorNowPlaying?: boolean;
  /** Catch-up: open the first window at this time (ms), at most 12 h back. */
  catchUpFrom?: number;
}

export interface FollowSummary {
  followId: number;
  hostUsername: string;
  state: FollowState;
}

export interface TrackView {
  artist: string;
  track: string;
  album: string;
  imageUrl: string | null;
}

export interface RecentScrobbleView extends TrackView {
  /** UNIX seconds. */
  timestamp: number;
  status: ScrobbleStatus;
  /** Last.fm's ignored code (1..5) or Lasso's own (negative) once ignored; 0 once accepted; else null. */
  ignoredCode: number | null;
  /** Last.fm's text for an ignored scrobble, when it gave one. */
  ignoredMessage: string | null;
}

/** How many host scrobbles of a follow are in each status (`held`: pending under a daily-limit hold). */
export interface ScrobbleCountsView {
  pending: number;
  mirrored: number;
  ignored: number;
  held: number;
}

export interface StatusView {
  state: FollowState | typeof NOT_STARTED;
  followId: number | null;
  targetUsername: string | null;
  /** The host's Last.fm avatar (from user.getInfo, cached on the host row), when known. */
  targetImageUrl: string | null;
  mirrorNowPlaying: boolean;
  /** = counts.mirrored. */
  scrobbleCount: number;
  counts: ScrobbleCountsView;
  recentScrobbles: RecentScrobbleView[];
  /** ms since epoch. */
  lastPollAt: number | null;
  nowPlaying: TrackView | null;
  stopReason: StopReason | null;
  pauseReason: PauseReason | null;
  /** ms; set while the daily scrobble cap holds this guest's rows. */
  heldUntil: number | null;
  startedAt: number | null;
  /** ms; when the follow stopped. */
  stoppedAt: number | null;
}

export interface WindowView {
  openedAt: number;
  closedAt: number | null;
}

export interface HistoryEntry {
  followId: number;
  targetUsername: string;
  state: FollowState;
  startedAt: number;
  stoppedAt: number | null;
  stopReason: StopReason | null;
  mirroredCount: number;
  ignoredCount: number;
  pendingCount: number;
  windows: WindowView[];
}

export interface HistoryScrobble extends TrackView {
  timestamp: number;
  status: ScrobbleStatus;
  ignoredCode: number | null;
  ignoredMessage: string | null;
  attempts: number;
  settledAt: number | null;
}

export interface HistoryDetail {
  entry: HistoryEntry;
  scrobbles: HistoryScrobble[];
  page: number;
  perPage: number;
  total: number;
}

export interface CatchUpPreview {
  targetUsername: string;
  /** ms: where the window would open. */
  since: number;
  /** `notAdded`: why it will be recorded as not added instead of copied, or null. */
  scrobbles: Array<TrackView & { timestamp: number; notAdded: string | null }>;
  /** How many host scrobbles lie in range before capping. */
  total: number;
  capped: boolean;
}

export type EngineEventType = 'mirrored' | 'ignored' | 'now_playing' | 'state_changed' | 'held';

/** Everything about one guest's listening, for "Download my data": every follow, every scrobble. */
export interface GuestExport {
  follows: Array<{
    entry: HistoryEntry;
    pauseReason: PauseReason | null;
    mirrorNowPlaying: boolean;
    heldUntil: number | null;
    scrobbles: HistoryScrobble[];
  }>;
}

/** What a disconnection did. */
export interface DisconnectResult {
  /** Host scrobbles that were waiting to be sent (pending, held or in flight) and were dropped. */
  dropped: number;
}

/** One event of a guest's stream; `id` increases and resumes a stream (SSE Last-Event-ID). */
export interface EngineEventRecord {
  id: number;
  type: EngineEventType;
  payload: Record<string, unknown>;
  at: number;
}

export interface EngineApi {
  startFollow(
    guestId: number,
    hostUsername: string,
    opts?: StartFollowOptions,
  ): Promise<FollowSummary>;
  pause(guestId: number): Promise<FollowSummary>;
  resume(guestId: number): Promise<FollowSummary>;
  stop(guestId: number): Promise<FollowSummary>;
  status(guestId: number): Promise<StatusView>;
  history(guestId: number): Promise<HistoryEntry[]>;
  historyDetail(
    guestId: number,
    followId: number,
    page: number,
    perPage: number,
  ): Promise<HistoryDetail | null>;
  catchUpPreview(guestId: number, hostUsername: string, since: number): Promise<CatchUpPreview>;
  /**
   * Delivers the guest's events with id > `afterId` (replayed from the store), then live ones,
   * until the returned function is called.
   */
  subscribe(
    guestId: number,
    afterId: number | null,
    onEvent: (e: EngineEventRecord) => void,
  ): Promise<() => void>;
  /** The guest signed in again: rows held by a revoked key may be sent. */
  accountReauthorized(guestId: number): Promise<void>;
  /** Every follow and scrobble of the guest (no paging, no 100-follow limit). */
  exportData(guestId: number): Promise<GuestExport>;
  /**
   * The guest disconnected Lasso: deletes everything Lasso holds about them (the account row,
   * its sealed key, web sessions, follows, windows, outbox rows, events), dropping what was not
   * yet sent. Safe against a submitter batch of theirs in flight (its settle writes nothing).
   */
  accountDisconnected(guestId: number): Promise<DisconnectResult>;
}

/** The engine as a running part: the API plus its loop. Created by `createEngine` (engine/engine.ts). */
export interface EngineRuntime extends EngineApi {
  /**
   * Does every piece of work due at `clock.now()` (claim and poll due hosts, submit due outbox
   * rows, reconcile, auto-stop, prune) and resolves with the time (ms) the next work is due, or
   * null when nothing is scheduled. Simulations call this directly, advancing a ManualClock.
   */
  runDue(): Promise<number | null>;
  /** Loops `runDue` and sleeps until the next due time (capped, woken early by new work) until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Stops claiming work, lets in-flight Last.fm calls finish, releases leases. */
  shutdown(): Promise<void>;
}

/** Where a crash can be injected (tests): the engine calls `crashAt(point)`, which may throw. */
export type CrashPoint =
  | 'poll:after-fetch'
  | 'poll:after-insert'
  | 'submit:after-mark-sending'
  | 'submit:after-call'
  | 'submit:after-settle';

/** The structured logger the engine writes to (pino-compatible). */
export interface EngineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Counters the engine reports (the server's Prometheus metrics implement it). */
export interface EngineMetrics {
  hostPolled(durationSeconds: number): void;
  scrobblesSettled(result: 'accepted' | 'ignored', n: number): void;
  /** `n` host scrobbles recorded for guests as not added, never sent (e.g. a name too long). */
  scrobblesSkipped(reason: UnmirrorableReason, n: number): void;
}
