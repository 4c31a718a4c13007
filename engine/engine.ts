/**
 * The engine as a running part: `createEngine(deps)` wires the follow API, the event streams, the
 * poller and the submitter over the store, and drives them with `runDue` (everything due now, then
 * the next due time) — called directly by simulations on a ManualClock, looped by `run` in a
 * server. No hidden timers: all waiting goes through `deps.clock`.
 */
import { DAY_MS, HOUR_MS, SECOND_MS, type Clock } from '../lib/clock.js';
import { backoffMs, type Random } from '../lib/random.js';
import type { LastfmApi } from '../lastfm/types.js';
import type { Db } from '../store/db.js';
import { engineConfig, type EngineConfig } from './config.js';
import { runCrashHook, type EngineContext } from './context.js';
import type { CrashPoint, EngineLogger, EngineMetrics, EngineRuntime } from './engine-api.js';
import { createEventBus } from './event-bus.js';
import { createFollowsService } from './follows-service.js';
import { pollDueHosts } from './poller.js';
import { pruneCutoff } from './stop-rules.js';
import { submitDueGuests } from './submitter.js';
import { historyDetailView, historyView, statusView } from './views.js';
import { pruneEvents } from './repo/events.js';
import { releaseLeases } from './repo/hosts.js';
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
const PRUNE_EVERY_MS = HOUR_MS;
/** Events only serve live streams and their resumption: a day is plenty. */
export const EVENT_RETENTION_MS = DAY_MS;

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

  async function prune(): Promise<void> {
    const now = deps.clock.now();
    if (now - lastPruneAt < PRUNE_EVERY_MS) return;
    lastPruneAt = now;
    const rows = await pruneSettled(deps.db.kysely, pruneCutoff(new Date(now), cfg));
    const events = await pruneEvents(deps.db.kysely, new Date(now - EVENT_RETENTION_MS));
    if (rows + events > 0) logger.info({ rows, events }, 'pruned settled rows and old events');
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
    subscribe: (guestId, afterId, onEvent) => bus.subscribe(guestId, afterId, onEvent),
    runDue,
    async run(signal) {
      // One loop per engine: a second call waits for the running one.
      loop ??= loopUntil(signal).finally(() => {
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
