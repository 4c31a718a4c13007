/**
 * Lasso's engine as a simulation policy, with crash-and-restart: `crashAt` throws at a chosen
 * point on its k-th hit, the "process" dies at once (its Last.fm client and its database view
 * refuse everything from then on, so not even an error handler can write), and a new engine
 * with a new instance id starts on the same database once the dead one's leases have expired.
 */
import { seededRandom } from '../lib/random.js';
import type { Db } from '../store/db.js';
import { defaultEngineConfig, type EngineConfig } from '../engine/config.js';
import type { EngineDeps } from '../engine/engine.js';
import type {
  CrashPoint,
  EngineLogger,
  EngineMetrics,
  EngineRuntime,
  HistoryEntry,
} from '../engine/engine-api.js';
import type { FollowPolicy, PolicyFollow, SimGuest, SimStartOptions } from './policy.js';
import type { SimRig } from './rig.js';
import { CrashedError } from './wire.js';

/** What `createEngine` takes (engine/engine.ts). */
export type SimEngineDeps = EngineDeps;

/** `createEngine`, or a wrapper of it (tests sabotage its Last.fm client to see the oracle fail). */
export type EngineFactory = (deps: EngineDeps) => EngineRuntime;

/** Crash the n-th engine (0-based, in order) at the `hit`-th time it reaches `point`. */
export interface CrashPlan {
  point: CrashPoint;
  hit: number;
}

/** Options of `LassoPolicy`. */
export interface LassoPolicyOptions {
  rig: SimRig;
  db: Db;
  createEngine: EngineFactory;
  config?: Partial<EngineConfig>;
  crashes?: CrashPlan[];
  maxConcurrency?: number;
  metrics?: EngineMetrics;
  /** Also receives the engine's log lines (default: kept in `log`, errors and warnings only). */
  logger?: EngineLogger;
}

/** One engine process. */
interface Generation {
  engine: EngineRuntime;
  dead: boolean;
  hits: number;
  plan: CrashPlan | undefined;
}

/** Keys the session key as is: tests store it in clear (`Buffer.from(key)`). */
export function clearSessionKey(_accountId: number, blob: Buffer): string {
  return blob.toString();
}

/** Lasso's engine behind `FollowPolicy`, restarted after each planned crash. */
export class LassoPolicy implements FollowPolicy {
  private current: Generation;
  private generations = 0;
  private notBefore = Number.NEGATIVE_INFINITY;
  /** When and where each crash happened. */
  readonly crashLog: Array<{ point: CrashPoint; at: number }> = [];
  /** The engine's warnings and errors. */
  readonly log: Array<{ level: 'warn' | 'error'; obj: object; msg: string | undefined }> = [];

  constructor(private readonly opts: LassoPolicyOptions) {
    this.current = this.spawnEngine();
  }

  /** The engine now running (a new one after each crash). */
  get engine(): EngineRuntime {
    return this.current.engine;
  }

  async runDue(): Promise<number | null> {
    if (this.opts.rig.clock.now() < this.notBefore) return this.notBefore;
    const gen = this.current;
    try {
      const next = await gen.engine.runDue();
      return gen.dead ? this.notBefore : next;
    } catch (err) {
      if (gen.dead) return this.notBefore;
      throw err;
    }
  }

  async start(guest: SimGuest, host: string, opts: SimStartOptions): Promise<void> {
    await this.engine.startFollow(guest.id, host, opts);
  }

  async pause(guest: SimGuest): Promise<void> {
    await this.engine.pause(guest.id);
  }

  async resume(guest: SimGuest): Promise<void> {
    await this.engine.resume(guest.id);
  }

  async stop(guest: SimGuest): Promise<void> {
    await this.engine.stop(guest.id);
  }

  async follows(guest: SimGuest): Promise<PolicyFollow[]> {
    const history = await this.engine.history(guest.id);
    return [...history].sort((a, b) => a.startedAt - b.startedAt).map(toPolicyFollow);
  }

  /** Lets the running engine release its leases. */
  async shutdown(): Promise<void> {
    await this.current.engine.shutdown();
  }

  private spawnEngine(): Generation {
    const n = this.generations++;
    const rig = this.opts.rig;
    const gen: Generation = {
      engine: undefined as unknown as EngineRuntime,
      dead: false,
      hits: 0,
      plan: this.opts.crashes?.[n],
    };
    const isDead = (): boolean => gen.dead;
    const deps: SimEngineDeps = {
      db: gatedDb(this.opts.db, isDead),
      lastfm: rig.wire.client({
        apiUrl: rig.emu.apiUrl,
        clock: rig.clock,
        seed: rig.seed * 1009 + n,
        crashed: isDead,
      }),
      clock: rig.clock,
      random: seededRandom(rig.seed * 7919 + n),
      instanceId: `sim-${rig.seed}-${n}`,
      decryptSessionKey: clearSessionKey,
      logger: this.logger(),
      crashAt: (point) => this.crashAt(gen, point),
    };
    if (this.opts.config) deps.config = this.opts.config;
    if (this.opts.metrics) deps.metrics = this.opts.metrics;
    if (this.opts.maxConcurrency !== undefined) deps.maxConcurrency = this.opts.maxConcurrency;
    gen.engine = this.opts.createEngine(deps);
    return gen;
  }

  private crashAt(gen: Generation, point: CrashPoint): void {
    if (gen.dead) throw new CrashedError('the process crashed');
    if (!gen.plan || gen.plan.point !== point || ++gen.hits < gen.plan.hit) return;
    gen.dead = true;
    const now = this.opts.rig.clock.now();
    this.crashLog.push({ point, at: now });
    const leaseMs = this.opts.config?.leaseMs ?? defaultEngineConfig.leaseMs;
    // The new process starts once the dead one's leases (hosts and `sending` rows) have lapsed.
    this.notBefore = now + leaseMs + 1000;
    this.current = this.spawnEngine();
    throw new CrashedError(`crash injected at ${point}`);
  }

  private logger(): EngineLogger {
    const keep = (level: 'warn' | 'error') => (obj: object, msg?: string) => {
      this.log.push({ level, obj, msg });
      this.opts.logger?.[level](obj, msg);
    };
    return {
      debug: (obj, msg) => this.opts.logger?.debug(obj, msg),
      info: (obj, msg) => this.opts.logger?.info(obj, msg),
      warn: keep('warn'),
      error: keep('error'),
    };
  }
}

function toPolicyFollow(h: HistoryEntry): PolicyFollow {
  return {
    host: h.targetUsername,
    windows: h.windows.map((w) => ({ openedAt: w.openedAt, closedAt: w.closedAt })),
    state: h.state,
    stopReason: h.stopReason,
  };
}

/**
 * The database as a process sees it: once `dead()`, every query it builds throws (a transaction
 * already open is rolled back by its failing query), like a killed process that writes nothing.
 */
export function gatedDb(db: Db, dead: () => boolean): Db {
  const kysely = db.kysely.withPlugin({
    transformQuery(args) {
      if (dead()) throw new CrashedError('the process crashed');
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  return { ...db, kysely, transaction: (fn) => kysely.transaction().execute(fn) };
}
