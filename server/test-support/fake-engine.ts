/**
 * An in-memory `EngineApi` for route tests: the follow state machine with the engine's refusals
 * (`EngineError`), hosts that exist, are private or do not exist, an event log per guest with
 * replay and live delivery, and scripted failures. Given a database, `accountDisconnected` deletes
 * the account row as the real engine does (its sessions go with it). Not built into the app.
 */
import type {
  CatchUpPreview,
  DisconnectResult,
  EngineApi,
  EngineEventRecord,
  EngineEventType,
  FollowSummary,
  GuestExport,
  HistoryDetail,
  HistoryEntry,
  HistoryScrobble,
  PauseReason,
  StartFollowOptions,
  StatusView,
  StopReason,
} from '../../engine/engine-api.js';
import { MIRROR_NOW_PLAYING_DEFAULT } from '../../contract/constants.js';
import { EngineError } from '../../engine/engine-api.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../store/db.js';

/** What a host name is to the fake Last.fm behind the fake engine. */
export type FakeHostKind = 'ok' | 'not_found' | 'private';

interface FakeFollow {
  entry: HistoryEntry;
  guestId: number;
  mirrorNowPlaying: boolean;
  pauseReason: PauseReason | null;
}

type Listener = (e: EngineEventRecord) => void;

const IDLE_STATUS: StatusView = {
  state: 'not_started',
  followId: null,
  targetUsername: null,
  targetImageUrl: null,
  mirrorNowPlaying: false,
  scrobbleCount: 0,
  counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
  recentScrobbles: [],
  lastPollAt: null,
  nowPlaying: null,
  stopReason: null,
  pauseReason: null,
  heldUntil: null,
  startedAt: null,
  stoppedAt: null,
};

/** A fake engine; inspect `calls`, script with `addHost`, `failNext`, `publish`, `addHistory`. */
export class FakeEngine implements EngineApi {
  /** Every call made, in order, as `[method, guestId]`. */
  readonly calls: Array<[string, number]> = [];
  /** Scrobbles returned by `catchUpPreview`. */
  previewScrobbles: CatchUpPreview['scrobbles'] = [];
  /** Scrobbles of a follow, by follow id, returned (paged) by `historyDetail`. */
  readonly scrobbles = new Map<number, HistoryScrobble[]>();
  /** Status fields merged over the computed status (e.g. recent scrobbles). */
  statusExtra: Partial<StatusView> = {};

  private readonly hosts = new Map<string, { name: string; kind: FakeHostKind }>();
  private readonly follows: FakeFollow[] = [];
  private readonly events: Array<EngineEventRecord & { guestId: number }> = [];
  private readonly listeners = new Map<number, Set<Listener>>();
  private readonly failures = new Map<string, unknown>();
  private nextFollowId = 1000;

  /** Pending rows `accountDisconnected` reports as dropped. */
  dropOnDisconnect = 0;

  constructor(
    private readonly clock: Clock,
    private readonly db?: Db,
  ) {}

  /** Makes `name` a host the engine knows (spelled as given), private or missing. */
  addHost(name: string, kind: FakeHostKind = 'ok'): void {
    this.hosts.set(name.toLowerCase(), { name, kind });
  }

  /** The next call of `method` throws `error` instead. */
  failNext(method: keyof EngineApi, error: unknown): void {
    this.failures.set(method, error);
  }

  /** Adds a past follow (e.g. one whose id matches a `follows` row). */
  addHistory(guestId: number, entry: HistoryEntry): void {
    this.follows.push({ entry, guestId, mirrorNowPlaying: false, pauseReason: null });
  }

  /** Records an event for `guestId` and delivers it to its live subscribers. */
  publish(guestId: number, type: EngineEventType, payload: Record<string, unknown>): number {
    const record = { id: this.events.length + 1, type, payload, at: this.clock.now(), guestId };
    this.events.push(record);
    for (const listener of this.listeners.get(guestId) ?? []) listener(record);
    return record.id;
  }

  /** How many live subscriptions `guestId` has. */
  subscriberCount(guestId: number): number {
    return this.listeners.get(guestId)?.size ?? 0;
  }

  private enter(method: keyof EngineApi, guestId: number): void {
    this.calls.push([method, guestId]);
    if (!this.failures.has(method)) return;
    const error = this.failures.get(method);
    this.failures.delete(method);
    throw error;
  }

  private open(guestId: number): FakeFollow | undefined {
    return this.follows.find((f) => f.guestId === guestId && f.entry.state !== 'stopped');
  }

  private latest(guestId: number): FakeFollow | undefined {
    return this.follows.filter((f) => f.guestId === guestId).at(-1);
  }

  private summary(f: FakeFollow): FollowSummary {
    return {
      followId: f.entry.followId,
      hostUsername: f.entry.targetUsername,
      state: f.entry.state,
    };
  }

  private close(f: FakeFollow, reason: StopReason): void {
    const now = this.clock.now();
    f.entry.state = 'stopped';
    f.entry.stopReason = reason;
    f.entry.stoppedAt = now;
    f.pauseReason = null;
    const open = f.entry.windows.at(-1);
    if (open && open.closedAt === null) open.closedAt = now;
  }

  async startFollow(
    guestId: number,
    hostUsername: string,
    opts: StartFollowOptions = {},
  ): Promise<FollowSummary> {
    this.enter('startFollow', guestId);
    const host = this.hosts.get(hostUsername.toLowerCase());
    if (!host || host.kind === 'not_found') {
      throw new EngineError('TARGET_NOT_FOUND', 'no such Last.fm user');
    }
    if (host.kind === 'private') throw new EngineError('TARGET_PRIVATE', 'listening is private');
    const current = this.open(guestId);
    if (current) this.close(current, 'switched');
    const now = this.clock.now();
    const follow: FakeFollow = {
      guestId,
      mirrorNowPlaying: opts.mirrorNowPlaying ?? MIRROR_NOW_PLAYING_DEFAULT,
      pauseReason: null,
      entry: {
        followId: this.nextFollowId++,
        targetUsername: host.name,
        state: 'active',
        startedAt: now,
        stoppedAt: null,
        stopReason: null,
        mirroredCount: 0,
        ignoredCount: 0,
        pendingCount: 0,
        windows: [{ openedAt: opts.catchUpFrom ?? now, closedAt: null }],
      },
    };
    this.follows.push(follow);
    return this.summary(follow);
  }

  async pause(guestId: number): Promise<FollowSummary> {
    this.enter('pause', guestId);
    const f = this.open(guestId);
    if (f?.entry.state !== 'active') throw new EngineError('INVALID_STATE', 'not following');
    f.entry.state = 'paused';
    f.pauseReason = 'user';
    const open = f.entry.windows.at(-1);
    if (open) open.closedAt = this.clock.now();
    return this.summary(f);
  }

  async resume(guestId: number): Promise<FollowSummary> {
    this.enter('resume', guestId);
    const f = this.open(guestId);
    if (f?.entry.state !== 'paused') throw new EngineError('INVALID_STATE', 'not paused');
    f.entry.state = 'active';
    f.pauseReason = null;
    f.entry.windows.push({ openedAt: this.clock.now(), closedAt: null });
    return this.summary(f);
  }

  async stop(guestId: number): Promise<FollowSummary> {
    this.enter('stop', guestId);
    const f = this.open(guestId);
    if (!f) throw new EngineError('INVALID_STATE', 'nothing to stop');
    this.close(f, 'stopped_by_user');
    return this.summary(f);
  }

  async status(guestId: number): Promise<StatusView> {
    this.enter('status', guestId);
    const f = this.latest(guestId);
    if (!f) return { ...IDLE_STATUS, ...this.statusExtra };
    return {
      ...IDLE_STATUS,
      state: f.entry.state,
      followId: f.entry.followId,
      targetUsername: f.entry.targetUsername,
      mirrorNowPlaying: f.mirrorNowPlaying,
      scrobbleCount: f.entry.mirroredCount,
      counts: {
        pending: f.entry.pendingCount,
        mirrored: f.entry.mirroredCount,
        ignored: f.entry.ignoredCount,
        held: 0,
      },
      stopReason: f.entry.stopReason,
      pauseReason: f.pauseReason,
      startedAt: f.entry.startedAt,
      stoppedAt: f.entry.stoppedAt,
      ...this.statusExtra,
    };
  }

  async history(guestId: number): Promise<HistoryEntry[]> {
    this.enter('history', guestId);
    return this.follows.filter((f) => f.guestId === guestId).map((f) => structuredClone(f.entry));
  }

  async historyDetail(
    guestId: number,
    followId: number,
    page: number,
    perPage: number,
  ): Promise<HistoryDetail | null> {
    this.enter('historyDetail', guestId);
    const f = this.follows.find((x) => x.guestId === guestId && x.entry.followId === followId);
    if (!f) return null;
    const all = this.scrobbles.get(followId) ?? [];
    const scrobbles = all.slice((page - 1) * perPage, page * perPage);
    return { entry: structuredClone(f.entry), scrobbles, page, perPage, total: all.length };
  }

  async catchUpPreview(
    guestId: number,
    hostUsername: string,
    since: number,
  ): Promise<CatchUpPreview> {
    this.enter('catchUpPreview', guestId);
    const host = this.hosts.get(hostUsername.toLowerCase());
    if (!host || host.kind === 'not_found') {
      throw new EngineError('TARGET_NOT_FOUND', 'no such Last.fm user');
    }
    if (host.kind === 'private') throw new EngineError('TARGET_PRIVATE', 'listening is private');
    const scrobbles = this.previewScrobbles;
    return { targetUsername: host.name, since, scrobbles, total: scrobbles.length, capped: false };
  }

  async subscribe(
    guestId: number,
    afterId: number | null,
    onEvent: (e: EngineEventRecord) => void,
  ): Promise<() => void> {
    this.enter('subscribe', guestId);
    if (afterId !== null) {
      for (const e of this.events) if (e.guestId === guestId && e.id > afterId) onEvent(e);
    }
    const set = this.listeners.get(guestId) ?? new Set<Listener>();
    this.listeners.set(guestId, set);
    set.add(onEvent);
    return () => set.delete(onEvent);
  }

  async accountReauthorized(guestId: number): Promise<void> {
    this.enter('accountReauthorized', guestId);
  }

  async exportData(guestId: number): Promise<GuestExport> {
    this.enter('exportData', guestId);
    return {
      follows: this.follows
        .filter((f) => f.guestId === guestId)
        .map((f) => ({
          entry: structuredClone(f.entry),
          pauseReason: f.pauseReason,
          mirrorNowPlaying: f.mirrorNowPlaying,
          heldUntil: null,
          scrobbles: structuredClone(this.scrobbles.get(f.entry.followId) ?? []),
        })),
    };
  }

  async accountDisconnected(guestId: number): Promise<DisconnectResult> {
    this.enter('accountDisconnected', guestId);
    for (let i = this.follows.length - 1; i >= 0; i--) {
      if (this.follows[i]?.guestId === guestId) this.follows.splice(i, 1);
    }
    if (this.db) await this.db.kysely.deleteFrom('accounts').where('id', '=', guestId).execute();
    return { dropped: this.dropOnDisconnect };
  }
}
