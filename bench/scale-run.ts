/**
 * One run of the scale bench on one database: N follows over M hosts on one engine instance,
 * the emulator instant and in a worker thread, hosts playing realistic listening for K simulated
 * minutes. Measures the engine's CPU and database time while the simulated minutes run, then
 * drains and checks every guest's library against the oracle.
 */
import { HOUR_MS, MINUTE_MS } from '../lib/clock.js';
import { seededRandom } from '../lib/random.js';
import { createEngine } from '../engine/engine.js';
import type { EngineRuntime } from '../engine/engine-api.js';
import { SimDriver } from '../sim/driver.js';
import { threadCpuMs } from '../sim/cpu.js';
import { clearSessionKey } from '../sim/lasso-policy.js';
import {
  hostChanges,
  realisticPlays,
  songLibrary,
  type HostChange,
  type HostScrobble,
} from '../sim/listening.js';
import { compareLibrary, expectation, scrobbleKey, type HostTruth } from '../sim/oracle.js';
import { Progress, SimClock } from '../sim/progress.js';
import { ENGINE_LOOP_PACING, SIM_T0 } from '../sim/rig.js';
import { round } from './stats.js';
import { Timeline } from '../sim/timeline.js';
import { openTimedPglite, openTimedPostgres, type TimedDb } from './timed-db.js';
import { SimWire } from '../sim/wire.js';
import { WorkerEmulator } from '../sim/worker-emulator.js';
import { AUTOVACUUM_NAPTIME_MS, autovacuumPass } from '../store/autovacuum.js';
import { CHECKPOINT_LOOK_MS, checkpointPass } from '../store/checkpoint.js';

/** Options of `runScale`. */
export interface ScaleOptions {
  follows: number;
  hosts: number;
  minutes: number;
  seed: number;
  db: 'pglite' | 'postgres';
  postgresUrl: string | null;
  mirrorNowPlaying: boolean;
  /**
   * PGlite only: run the embedded store's autovacuum and checkpoints every simulated minute, as
   * the server does.
   */
  upkeep: boolean;
}

/** What one run measured. */
export interface ScaleFigures {
  db: 'pglite' | 'postgres';
  follows: number;
  hosts: number;
  simulated_minutes: number;
  setup_wall_s: number;
  run_wall_s: number;
  /** Process CPU minus the emulator worker thread's, over the simulated minutes. */
  engine_cpu_s: number;
  engine_cpu_s_per_sim_minute: number;
  /** engine_cpu_s_per_sim_minute / 60: the share of one core at real-time speed. */
  core_fraction_realtime: number;
  main_thread_cpu_s: number | null;
  emulator_cpu_s: number | null;
  db_query_s: number;
  db_query_s_per_sim_minute: number;
  db_queries: number;
  /** The statement shapes that took the most time: [shape, count, seconds]. */
  db_top_statements: Array<[string, number, number]>;
  peak_rss_mb: number;
  /**
   * Upkeep passes (autovacuum and checkpoint look) over the simulated minutes (PGlite), the
   * checkpoints among them, and their wall time in all.
   */
  autovacuum_passes: number;
  checkpoints: number;
  autovacuum_s: number;
  calls_total: number;
  calls_by_method: Record<string, number>;
  run_due_calls: number;
  mirrored: number;
  missing: number;
  outside_window: number;
  duplicates: number;
}

const BATCH = 1000;

/** Runs the bench on one database. */
export async function runScale(o: ScaleOptions): Promise<ScaleFigures> {
  const progress = new Progress();
  const clock = new SimClock(SIM_T0 - 10 * MINUTE_MS, progress);
  const emu = await WorkerEmulator.start(clock.now());
  clock.onTime = (ms) => emu.setTime(ms);
  const timed = await openDb(o);
  try {
    return await measure(o, clock, progress, emu, timed);
  } finally {
    await emu.close();
    await timed.close();
  }
}

async function openDb(o: ScaleOptions): Promise<TimedDb> {
  if (o.db === 'pglite') return openTimedPglite();
  if (!o.postgresUrl) throw new Error('no PostgreSQL URL');
  return openTimedPostgres(o.postgresUrl, 10);
}

const hostName = (i: number): string => `host_${i}`;
const guestName = (i: number): string => `guest_${i}`;

/** The jam, ready to run: hosts playing, every guest following. */
interface Setup {
  engine: EngineRuntime;
  driver: SimDriver;
  hosts: string[];
  guests: string[];
  hostScrobbles: Map<string, HostScrobble[]>;
  /** Each host's plays, for the oracle: the one going on when a guest joined counts too. */
  truth: Map<string, HostTruth>;
  wallS: number;
}

async function setUp(
  o: ScaleOptions,
  clock: SimClock,
  progress: Progress,
  emu: WorkerEmulator,
  timed: TimedDb,
): Promise<Setup> {
  const started = performance.now();
  const hosts = Array.from({ length: o.hosts }, (_, i) => hostName(i));
  const guests = Array.from({ length: o.follows }, (_, i) => guestName(i));
  for (let i = 0; i < hosts.length; i += BATCH) await emu.users(hosts.slice(i, i + BATCH));
  const ids = await createGuests(emu, timed, guests, clock.now());
  const timeline = new Timeline();
  const { scrobbles: hostScrobbles, truth } = scheduleHosts(o, timeline, emu);
  const wire = new SimWire(progress, null);
  const engine = createEngine({
    db: timed.db,
    lastfm: wire.client({ apiUrl: emu.apiUrl, clock, seed: o.seed }),
    clock,
    random: seededRandom(o.seed),
    instanceId: 'scale-1',
    decryptSessionKey: clearSessionKey,
  });
  const idle = { runDue: async () => null };
  const driver = new SimDriver(clock, timeline, wire, progress, idle, ENGINE_LOOP_PACING);
  await driver.runUntil(SIM_T0); // hosts already playing when the guests join
  const opts = { mirrorNowPlaying: o.mirrorNowPlaying };
  await inPool(guests.length, 16, async (i) => {
    await engine.startFollow(ids[i]!, hosts[i % hosts.length]!, opts);
  });
  driver.replacePolicy(engine, clock.now());
  return {
    engine,
    driver,
    hosts,
    guests,
    hostScrobbles,
    truth,
    wallS: (performance.now() - started) / 1000,
  };
}

/** Every 10 simulated minutes, a line on stderr: where the run is, in simulated and real time. */
function reportProgress(driver: SimDriver, minutes: number): void {
  const started = performance.now();
  for (let m = 10; m < minutes; m += 10) {
    driver.timeline.add({
      at: SIM_T0 + m * MINUTE_MS,
      rank: 0,
      kind: 'host',
      run: () => {
        const cpu = process.cpuUsage();
        const cpuS = ((cpu.user + cpu.system) / 1e6).toFixed(0);
        const wallS = ((performance.now() - started) / 1000).toFixed(0);
        console.error(`  … ${m} simulated min: ${wallS} s wall, ${cpuS} s process CPU so far`);
      },
    });
  }
}

/** Counters read before and after the measured minutes. */
interface Sample {
  cpuUs: NodeJS.CpuUsage;
  mainMs: number | null;
  workerMs: number | null;
  wallMs: number;
  calls: { total: number; by_method: Record<string, number> };
}

async function sample(emu: WorkerEmulator): Promise<Sample> {
  const calls = await emu.calls();
  const workerMs = await emu.cpuMs();
  return {
    cpuUs: process.cpuUsage(),
    mainMs: threadCpuMs(),
    workerMs,
    wallMs: performance.now(),
    calls,
  };
}

async function measure(
  o: ScaleOptions,
  clock: SimClock,
  progress: Progress,
  emu: WorkerEmulator,
  timed: TimedDb,
): Promise<ScaleFigures> {
  const setup = await setUp(o, clock, progress, emu, timed);
  reportProgress(setup.driver, o.minutes);
  const vacuum = scheduleUpkeep(o, setup.driver, timed);
  timed.queries.reset();
  const before = await sample(emu);
  vacuum.reset();
  await setup.driver.runUntil(SIM_T0 + o.minutes * MINUTE_MS);
  const after = await sample(emu);
  const vacuumed = { passes: vacuum.passes, checkpoints: vacuum.checkpoints, s: vacuum.ms / 1000 };
  const db = {
    ms: timed.queries.ms,
    queries: timed.queries.queries,
    top: topShapes(timed.queries.byShape),
  };
  // Not measured: let the last scrobbles land and be mirrored, then judge every library.
  // The last track started before the end and lasts at most 7 minutes; the track a guest joined
  // on may be mirrored only once it is over plus the 15-minute grace (when Lasso could not be
  // sure which play of it was on when they joined), so a short run drains until then too.
  await setup.driver.runUntil(SIM_T0 + drainMinutes(o) * MINUTE_MS);
  const check = await verify(emu, setup.guests, setup.hosts, setup.hostScrobbles, setup.truth);
  await setup.engine.shutdown();
  return {
    db: timed.kind,
    follows: o.follows,
    hosts: o.hosts,
    simulated_minutes: o.minutes,
    setup_wall_s: round(setup.wallS, 1),
    ...cpuFigures(before, after, o.minutes),
    db_query_s: round(db.ms / 1000, 2),
    db_query_s_per_sim_minute: round(db.ms / 1000 / o.minutes, 3),
    db_queries: db.queries,
    db_top_statements: db.top,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    autovacuum_passes: vacuumed.passes,
    checkpoints: vacuumed.checkpoints,
    autovacuum_s: round(vacuumed.s, 2),
    calls_total: after.calls.total - before.calls.total,
    calls_by_method: Object.fromEntries(
      Object.entries(after.calls.by_method).map(([m, n]) => [
        m,
        n - (before.calls.by_method[m] ?? 0),
      ]),
    ),
    run_due_calls: setup.driver.runDueCalls,
    ...check,
  };
}

/**
 * On PGlite, the server's upkeep of its store every simulated minute, as a task beside the
 * engine, from the guests' joining to the end of the drain: autovacuum (`store/autovacuum.ts`)
 * and checkpoints (`store/checkpoint.ts`, timed on the simulated clock). Counts the passes that
 * did something and their time since the last `reset()`.
 */
function scheduleUpkeep(
  o: ScaleOptions,
  driver: SimDriver,
  timed: TimedDb,
): { passes: number; checkpoints: number; ms: number; reset(): void } {
  const tally = {
    passes: 0,
    checkpoints: 0,
    ms: 0,
    reset() {
      tally.passes = 0;
      tally.checkpoints = 0;
      tally.ms = 0;
    },
  };
  if (timed.kind !== 'pglite' || !o.upkeep) return tally;
  // Both run every minute (AUTOVACUUM_NAPTIME_MS = CHECKPOINT_LOOK_MS).
  const every = Math.min(AUTOVACUUM_NAPTIME_MS, CHECKPOINT_LOOK_MS);
  const end = SIM_T0 + drainMinutes(o) * MINUTE_MS;
  let lastCheckpoint = SIM_T0;
  for (let at = SIM_T0 + every; at <= end; at += every) {
    driver.timeline.add({
      at,
      rank: 1,
      kind: 'action',
      run: async () => {
        const started = performance.now();
        await autovacuumPass(timed.db);
        if (await checkpointPass(timed.db, at - lastCheckpoint)) {
          lastCheckpoint = at;
          tally.checkpoints += 1;
        }
        tally.passes += 1;
        tally.ms += performance.now() - started;
      },
    });
  }
  return tally;
}

/** Simulated minutes run in all: the measured ones, then the drain (see `measure`). */
function drainMinutes(o: ScaleOptions): number {
  return Math.max(o.minutes + 12, 7 + 15 + 2);
}

type CpuFigures = Pick<
  ScaleFigures,
  | 'run_wall_s'
  | 'engine_cpu_s'
  | 'engine_cpu_s_per_sim_minute'
  | 'core_fraction_realtime'
  | 'main_thread_cpu_s'
  | 'emulator_cpu_s'
>;

function topShapes(
  byShape: Map<string, { n: number; ms: number }>,
): Array<[string, number, number]> {
  return [...byShape.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 8)
    .map(([shape, { n, ms }]) => [shape, n, round(ms / 1000, 1)]);
}

/** Engine CPU = process CPU − the emulator worker thread's CPU, between two samples. */
function cpuFigures(a: Sample, b: Sample, minutes: number): CpuFigures {
  const processMs = (b.cpuUs.user - a.cpuUs.user + b.cpuUs.system - a.cpuUs.system) / 1000;
  const emulatorMs = a.workerMs !== null && b.workerMs !== null ? b.workerMs - a.workerMs : null;
  const engineMs = processMs - (emulatorMs ?? 0);
  const perMinute = engineMs / 1000 / minutes;
  return {
    run_wall_s: round((b.wallMs - a.wallMs) / 1000, 1),
    engine_cpu_s: round(engineMs / 1000, 2),
    engine_cpu_s_per_sim_minute: round(perMinute, 3),
    core_fraction_realtime: round(perMinute / 60, 4),
    main_thread_cpu_s:
      a.mainMs !== null && b.mainMs !== null ? round((b.mainMs - a.mainMs) / 1000, 2) : null,
    emulator_cpu_s: emulatorMs === null ? null : round(emulatorMs / 1000, 2),
  };
}

/** Users with session keys at the emulator, and their `accounts` rows; returns the ids in order. */
async function createGuests(
  emu: WorkerEmulator,
  timed: TimedDb,
  names: string[],
  now: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < names.length; i += BATCH) {
    const batch = names.slice(i, i + BATCH);
    await emu.users(batch);
    const keys = await emu.sessions(batch);
    const rows = await timed.db.kysely
      .insertInto('accounts')
      .values(
        batch.map((username, j) => ({
          username,
          session_key_enc: Buffer.from(keys[j]!),
          key_state: 'valid' as const,
          created_at: new Date(now),
          updated_at: new Date(now),
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/**
 * Every host plays back-to-back tracks of 2–7 min (20 % skipped) from a shared library, each
 * starting at its own offset; all changes of one instant go to the worker in one message.
 */
function scheduleHosts(
  o: ScaleOptions,
  timeline: Timeline,
  emu: WorkerEmulator,
): { scrobbles: Map<string, HostScrobble[]>; truth: Map<string, HostTruth> } {
  const random = seededRandom(o.seed);
  const songs = songLibrary(random, 500, 120, 420);
  const byInstant = new Map<number, Array<{ host: string; change: HostChange; rank: number }>>();
  const scrobbles = new Map<string, HostScrobble[]>();
  const truth = new Map<string, HostTruth>();
  for (let h = 0; h < o.hosts; h++) {
    const host = hostName(h);
    const startMs = SIM_T0 - 10 * MINUTE_MS + Math.floor(random.next() * 7 * MINUTE_MS);
    const plays = realisticPlays(random, {
      startMs,
      endMs: SIM_T0 + o.minutes * MINUTE_MS,
      songs,
      skipRate: 0.2,
    });
    const list: HostScrobble[] = [];
    const appearedAt = new Map<string, number>();
    for (const c of hostChanges(host, plays)) {
      const at = byInstant.get(c.at) ?? [];
      at.push({ host, change: c.change, rank: c.rank });
      byInstant.set(c.at, at);
      if (c.change.kind === 'scrobble') {
        list.push(c.change.scrobble);
        appearedAt.set(scrobbleKey(c.change.scrobble), c.at);
      }
    }
    scrobbles.set(host, list);
    truth.set(host, { plays, appearedAt });
  }
  for (const [at, changes] of byInstant) {
    changes.sort((a, b) => a.rank - b.rank);
    timeline.add({
      at,
      rank: 0,
      kind: 'host',
      run: () => emu.apply(changes.map(({ host, change }) => ({ host, change }))),
    });
  }
  return { scrobbles, truth };
}

/**
 * Every guest followed its host from SIM_T0 on: its library must be the host's scrobbles since,
 * and the one of the track playing at SIM_T0 (the oracle's lead).
 */
async function verify(
  emu: WorkerEmulator,
  guests: string[],
  hosts: string[],
  hostScrobbles: Map<string, HostScrobble[]>,
  truth: Map<string, HostTruth>,
): Promise<Pick<ScaleFigures, 'mirrored' | 'missing' | 'outside_window' | 'duplicates'>> {
  const out = { mirrored: 0, missing: 0, outside_window: 0, duplicates: 0 };
  for (let i = 0; i < guests.length; i += BATCH) {
    const libraries = await emu.scrobbles(guests.slice(i, i + BATCH));
    libraries.forEach((library, j) => {
      const host = hosts[(i + j) % hosts.length]!;
      const follow = { host, windows: [{ openedAt: SIM_T0, closedAt: null }] };
      const { required, optional } = expectation([follow], hostScrobbles, truth);
      const c = compareLibrary(required, library, optional);
      out.mirrored += c.mirrored;
      out.missing += c.missing.length;
      out.outside_window += c.outsideWindow.length;
      out.duplicates += c.duplicateRows.length;
    });
  }
  return out;
}

/** Runs `fn(0..n-1)` with at most `width` at once. */
async function inPool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

/** An hour, for callers that want the default. */
export const SCALE_DEFAULT_MINUTES = HOUR_MS / MINUTE_MS;
