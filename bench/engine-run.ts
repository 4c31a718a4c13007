/**
 * One run of the engine bench: a jam scenario ("five" guests or "one"), a policy (Lasso's engine
 * with now-playing mirroring off or on, or the original design's baseline), simulated time on an
 * in-process emulator, and the figures the bench reports.
 */
import type { EngineConfig } from '../engine/config.js';
import { HOUR_MS, MINUTE_MS } from '../lib/clock.js';
import { seededRandom } from '../lib/random.js';
import { upsertAccount } from '../store/accounts.js';
import { openDatabase, type Db } from '../store/db.js';
import { BaselinePolicy } from '../sim/baseline.js';
import { LassoPolicy, type EngineFactory } from '../sim/lasso-policy.js';
import { delayTail, type TailCause } from './engine-tail.js';
import { realisticPlays, songLibrary } from '../sim/listening.js';
import { guestOutcome } from '../sim/outcome.js';
import type { FollowPolicy, GuestAction, SimGuest } from '../sim/policy.js';
import { ENGINE_LOOP_PACING, SIM_T0, SimRig } from '../sim/rig.js';
import { percentile, round } from './stats.js';

/** The two jams. */
export type ScenarioName = 'five' | 'one';
/** What runs the jam. */
export type PolicyKind = 'lasso' | 'lasso-np' | 'baseline';

/** A guest's plan: [minutes after the jam starts, action]. */
type Plan = Array<[number, GuestAction['kind']]>;

const JAM_MINUTES = 240;
const HOST = 'jam_host';

/** Who does what in each scenario (times in minutes from the start of the jam). */
export function scenarioPlans(name: ScenarioName, minutes = JAM_MINUTES): Plan[] {
  const end = minutes;
  const whole: Plan = [
    [0, 'start'],
    [end, 'stop'],
  ];
  if (name === 'one') return [whole];
  return [
    whole,
    [
      [30, 'start'],
      [end, 'stop'],
    ], // joins 30 min late
    [
      [0, 'start'],
      [90, 'pause'],
      [110, 'resume'],
      [end, 'stop'],
    ], // pauses 20 min
    [
      [0, 'start'],
      [Math.round(end * 0.6), 'stop'],
    ], // leaves early
    whole,
  ];
}

/** The figures of one run. */
export interface RunFigures {
  calls_total: number;
  calls_by_method: Record<string, number>;
  mirrored: number;
  calls_per_mirrored: number | null;
  /** A jam's calls per second over its length. */
  calls_per_second: number;
  jams_per_key: number | null;
  delay_p50_s: number | null;
  delay_p95_s: number | null;
  delay_max_s: number | null;
  /** Mirrored copies that waited longer than `TAIL_S`, by cause (engine-tail.ts). */
  delay_tail: Record<TailCause, number>;
  duplicates: number;
  missing: number;
  outside_window: number;
  window_problems: string[];
  engine_log_errors: number;
  /** The first few of the engine's error log lines. */
  engine_errors_sample: string[];
  run_due_calls: number;
  wall_s: number;
}

/** Options of `runJam`. */
export interface JamOptions {
  scenario: ScenarioName;
  policy: PolicyKind;
  seed: number;
  createEngine: EngineFactory;
  minutes?: number;
  /** Engine settings other than the defaults (the frontier's skip-check gaps). */
  config?: Partial<EngineConfig>;
}

/** Runs one jam and measures it. */
export async function runJam(opts: JamOptions): Promise<RunFigures> {
  const wallStart = performance.now();
  const minutes = opts.minutes ?? JAM_MINUTES;
  const rig = await SimRig.start({
    seed: opts.seed,
    startMs: SIM_T0 - 10 * MINUTE_MS,
    ...(opts.policy === 'baseline' ? {} : ENGINE_LOOP_PACING),
  });
  let db: Db | null = null;
  try {
    const isLasso = opts.policy !== 'baseline';
    if (isLasso) db = await openDatabase({ url: 'memory://' });
    const register = accountRegistrar(db, rig);
    scheduleHost(rig, opts.seed, minutes);
    const guests: SimGuest[] = [];
    const plans = scenarioPlans(opts.scenario, minutes);
    for (let i = 0; i < plans.length; i++)
      guests.push(await rig.addGuest(`guest_${i + 1}`, register));
    const policy = makePolicy(opts, rig, db);
    rig.usePolicy(policy);
    plans.forEach((plan, i) => {
      for (const [min, kind] of plan) {
        const action: GuestAction =
          kind === 'start'
            ? { kind, host: HOST, mirrorNowPlaying: opts.policy === 'lasso-np' }
            : { kind };
        rig.act(SIM_T0 + min * MINUTE_MS, guests[i]!, action);
      }
    });
    rig.emu.resetCalls();
    // Past the end: the host plays 15 more minutes, then grace periods and retries drain.
    await rig.runUntil(SIM_T0 + (minutes + 60) * MINUTE_MS);
    return await figures(rig, policy, guests, minutes, wallStart);
  } finally {
    await rig.close();
    await db?.close();
  }
}

function accountRegistrar(
  db: Db | null,
  rig: SimRig,
): (name: string, key: string) => Promise<number> {
  let next = 1;
  return async (name, key) => {
    if (!db) return next++;
    const now = new Date(rig.clock.now());
    return (
      await upsertAccount(db.kysely, { username: name, sessionKeyEnc: Buffer.from(key), now })
    ).id;
  };
}

/** The host plays from 10 min before the jam to 15 min after, with a 15-minute break. */
function scheduleHost(rig: SimRig, seed: number, minutes: number): void {
  const random = seededRandom(seed);
  rig.addHost(HOST);
  const songs = songLibrary(random, 60, 120, 420);
  const breakAt = SIM_T0 + Math.round(minutes * 0.55) * MINUTE_MS;
  const plays = realisticPlays(random, {
    startMs: SIM_T0 - 10 * MINUTE_MS,
    endMs: SIM_T0 + (minutes + 15) * MINUTE_MS,
    songs,
    skipRate: 0.2,
    breaks: [[breakAt, 15 * MINUTE_MS]],
  });
  rig.play(HOST, plays);
}

function makePolicy(opts: JamOptions, rig: SimRig, db: Db | null): FollowPolicy {
  if (opts.policy === 'baseline') {
    const lastfm = rig.wire.client({ apiUrl: rig.emu.apiUrl, clock: rig.clock, seed: opts.seed });
    return new BaselinePolicy({ lastfm, clock: rig.clock });
  }
  if (!db) throw new Error('the Lasso policy needs a database');
  return new LassoPolicy({
    rig,
    db,
    createEngine: opts.createEngine,
    ...(opts.config ? { config: opts.config } : {}),
  });
}

async function figures(
  rig: SimRig,
  policy: FollowPolicy,
  guests: SimGuest[],
  minutes: number,
  wallStart: number,
): Promise<RunFigures> {
  const calls = rig.emu.calls();
  const engineErrors =
    policy instanceof LassoPolicy ? policy.log.filter((l) => l.level === 'error') : [];
  const outcomes = [];
  for (const g of guests) outcomes.push(await guestOutcome(rig, policy, g));
  const mirrored = outcomes.reduce((n, o) => n + o.comparison.mirrored, 0);
  const delays = outcomes.flatMap((o) => o.delaysMs).map((ms) => ms / 1000);
  const perSecond = calls.total / ((minutes * MINUTE_MS) / 1000);
  const p = (q: number): number | null => {
    const v = percentile(delays, q);
    return v === null ? null : round(v, 1);
  };
  return {
    calls_total: calls.total,
    calls_by_method: calls.by_method,
    mirrored,
    calls_per_mirrored: mirrored > 0 ? round(calls.total / mirrored) : null,
    calls_per_second: round(perSecond, 4),
    jams_per_key: perSecond > 0 ? round(5 / perSecond, 1) : null,
    delay_p50_s: p(50),
    delay_p95_s: p(95),
    delay_max_s: p(100),
    delay_tail: delayTail(
      outcomes.flatMap((o) => o.delays),
      rig.hostPlays.get(HOST) ?? [],
    ),
    duplicates:
      (rig.wire.ledger?.duplicates ?? 0) +
      outcomes.reduce((n, o) => n + o.comparison.duplicateRows.length, 0),
    missing: outcomes.reduce((n, o) => n + o.comparison.missing.length, 0),
    outside_window: outcomes.reduce((n, o) => n + o.comparison.outsideWindow.length, 0),
    window_problems: outcomes.flatMap((o) => o.windowProblems.map((w) => `${o.guest}: ${w}`)),
    engine_log_errors: engineErrors.length,
    engine_errors_sample: engineErrors.slice(0, 3).map(describeLogLine),
    run_due_calls: rig.driver.runDueCalls,
    wall_s: round((performance.now() - wallStart) / 1000, 1),
  };
}

function describeLogLine(l: { obj: object; msg: string | undefined }): string {
  const err = (l.obj as { err?: unknown }).err;
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : JSON.stringify(l.obj);
  return `${l.msg ?? ''} ${detail}`.slice(0, 300);
}

/** The simulated length of a jam, for callers. */
export const JAM_HOURS = JAM_MINUTES / (HOUR_MS / MINUTE_MS);
