/**
 * The engine as a running part: `createEngine(deps)` wires the follow API, the event streams, the
 * poller and the submitter over the store, and drives them with `runDue` (everything due now, then
 * the next due time) — called directly by simulations on a ManualClock, looped by `run` in a
 * server. No hidden timers: all waiting goes through `deps.clock`.
 */
import { MINUTE_MS, SECOND_MS, type Clock } from '../lib/clock.js';
import { backoffMs, type Random } from '../lib/random.js';
import type { LastfmApi } from '../lastfm/types.js';
import type { Db } from '../store/db.js';
import { engineConfig, type EngineConfig } from './config.js';
import { isCrash, runCrashHook, type EngineContext } from './run/context.js';
import { createLeaseKeeper } from './run/leases.js';
import type { CrashPoint, EngineLogger, EngineMetrics, EngineRuntime } from './engine-api.js';
import { createEventBus } from './run/event-bus.js';
import { createFollowsService } from './run/follows-service.js';
import { pollDueHosts } from './run/poller.js';
import { pruneCutoffs } from './decide/stop-rules.js';
import { submitDueGuests } from './run/submitter.js';
import { exportView } from './run/export-view.js';
import { historyDetailView, historyView, statusView } from './run/views.js';
import { pruneEvents } from './repo/events.js';
import { pruneStoppedFollows } from './repo/follows.js';
import { pruneUnfollowedHosts, releaseLeases } from './repo/hosts.js';
import { pruneSettled } from './repo/outbox.js';
import { nextWorkDue } from './repo/schedule.js';

/** What the engine is built from. */
export interface EngineDeps {
  db: Db;
  lastfm: LastfmApi;
  clock: Clock;
  random: Random;
  /** Overrides of `defaultEngineConfig`, checked by `engineConfig`. */
  config?: Partial<EngineConfig>;
  /** Unique per running instance: owner of its host leases. */
  instanceId: string;
  /** The clear session key of a guest from `accounts.session_key_enc`. */
  decryptSessionKey(accountId: number, blob: Buffer): string;
  logger?: EngineLogger;
  metrics?: EngineMetrics;
  /** Tests: called at each `CrashPoint`; what it throws propagates out of `runDue`. */
  crashAt?: (point: CrashPoint) => void;
  /** Polls and submissions in flight at once. Default 8. */
  maxConcurrency?: number;
}

/** Polls and submissions in flight at once, by default. */
export const DEFAULT_MAX_CONCURRENCY = 8;
/** `run` looks for work at least this often (another instance may have made some). */
export const RUN_MAX_SLEEP_MS = 5 * SECOND_MS;
/** `run` waits at least this long before running again when work is still due (no hot loop). */
const RUN_MIN_SLEEP_MS = 50;
/**
 * History pruning runs at most this often: with `historyDays` 0 a finished follow is gone within
 * a minute of its cutoff. Each run is a few indexed deletes.
 */
export const PRUNE_EVERY_MS = MINUTE_MS;
/** Rows each prune statement deletes at most (the rest waits for the next run). */
const PRUNE_BATCH = 1000;

const silentLogger: EngineLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Builds the engine. Nothing runs until `runDue` or `run` is called. */
export function createEngine(deps: EngineDeps): EngineRuntime {
  const cfg = engineConfig(deps.config);
  const logger = deps.logger ?? silentLogger;
  let wakeRequested = false;
  let sleeper: AbortController | null = null;
  const leases = createLeaseKeeper({
    db: deps.db.kysely,
    clock: deps.clock,
    instanceId: deps.instanceId,
    leaseMs: cfg.leaseMs,
  });
  const ctx: EngineContext = {
    db: deps.db,
    lastfm: deps.lastfm,
    clock: deps.clock,
    random: deps.random,
    cfg,
    instanceId: deps.instanceId,
    decryptSessionKey: (id, blob) => deps.decryptSessionKey(id, blob),
    logger,
    metrics: deps.metrics,
    maxConcurrency: Math.max(1, Math.floor(deps.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY)),
    leases,
    now: () => new Date(deps.clock.now()),
    crash: (point) => runCrashHook(deps.crashAt, point),
    wake: () => {
      wakeRequested = true;
      sleeper?.abort();
    },
  };
  const follows = createFollowsService(ctx);
  const bus = createEventBus(deps.db, logger);
  const stopSignal = new AbortController();
  let stopping = false;
  let inflight: Promise<number | null> | null = null;
  let loop: Promise<void> | null = null;
  let lastPruneAt = -Infinity;

  /**
   * Deletes history older than `historyDays` (stop-rules.ts `pruneCutoffs`): finished follows
   * with their windows and rows, settled rows of stopped follows, old events, hosts nobody
   * follows. Each statement commits alone; a failure is logged and tried again next time.
   */
  async function prune(): Promise<void> {
    const now = deps.clock.now();
    if (now - lastPruneAt < PRUNE_EVERY_MS) return;
    lastPruneAt = now;
    const at = new Date(now);
    const c = pruneCutoffs(at, cfg);
    const db = deps.db.kysely;
    try {
      const follows = await pruneStoppedFollows(db, c.followsStoppedBefore, PRUNE_BATCH);
      const rows = await pruneSettled(db, c.rowsSettledBefore, c.rowsStoppedBefore);
      const events = await pruneEvents(db, c.eventsBefore);
      const hosts = await pruneUnfollowedHosts(db, at, PRUNE_BATCH);
      if (follows + rows + events + hosts > 0)
        logger.info({ follows, rows, events, hosts }, 'pruned history');
    } catch (err) {
      if (isCrash(err)) throw err;
      logger.error({ err }, 'history pruning failed');
    }
  }

  async function work(): Promise<number | null> {
    if (stopping) return null;
    const isStopping = (): boolean => stopping;
    await pollDueHosts(ctx, isStopping);
    await submitDueGuests(ctx, isStopping);
    await prune();
    const due = await nextWorkDue(deps.db.kysely);
    return due?.getTime() ?? null;
  }

  function runDue(): Promise<number | null> {
    // Single flight: a call while one runs shares its outcome.
    inflight ??= work().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  /** Sleeps `ms` on the clock unless woken, aborted or shutting down. */
  async function nap(ms: number, signal: AbortSignal): Promise<void> {
    if (wakeRequested) return;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    signal.addEventListener('abort', abort, { once: true });
    stopSignal.signal.addEventListener('abort', abort, { once: true });
    sleeper = controller;
    try {
      await deps.clock.sleep(ms, controller.signal);
    } finally {
      sleeper = null;
      signal.removeEventListener('abort', abort);
      stopSignal.signal.removeEventListener('abort', abort);
    }
  }

  async function loopUntil(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted && !stopping) {
      wakeRequested = false;
      let next: number | null;
      try {
        next = await runDue();
        failures = 0;
      } catch (err) {
        failures++;
        logger.error({ err }, 'engine run failed');
        next = deps.clock.now() + backoffMs(failures - 1, SECOND_MS, 60 * SECOND_MS, deps.random);
      }
      const wait = (next ?? Infinity) - deps.clock.now();
      await nap(Math.min(Math.max(wait, RUN_MIN_SLEEP_MS), RUN_MAX_SLEEP_MS), signal);
    }
  }

  return {
    ...follows,
    status: (guestId) => statusView(deps.db.kysely, guestId, ctx.now()),
    history: (guestId) => historyView(deps.db.kysely, guestId),
    historyDetail: (guestId, followId, page, perPage) =>
      historyDetailView(deps.db.kysely, guestId, followId, page, perPage, ctx.now()),
    exportData: (guestId) => exportView(deps.db.kysely, guestId, ctx.now()),
    subscribe: (guestId, afterId, onEvent) => bus.subscribe(guestId, afterId, onEvent),
    runDue,
    async run(signal) {
      // One loop per engine: a second call waits for the running one. The lease keeper runs
      // beside it and stops with it.
      loop ??= (async () => {
        const keeper = new AbortController();
        const kept = leases.run(keeper.signal, (err) =>
          logger.warn({ err }, 'lease renewal failed'),
        );
        try {
          await loopUntil(signal);
        } finally {
          keeper.abort();
          await kept;
        }
      })().finally(() => {
        loop = null;
      });
      return loop;
    },
    async shutdown() {
      stopping = true;
      stopSignal.abort();
      await Promise.allSettled([inflight, loop]);
      await releaseLeases(deps.db.kysely, deps.instanceId, ctx.now());
      await bus.close();
    },
  };
}
