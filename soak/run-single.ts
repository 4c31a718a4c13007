/**
 * `npm run soak`: one built Lasso server against the stand-alone emulator in compressed time
 * (tracks of 4–15 s, POLLING_INTERVAL_MS=1000): one host played by a script, five guests signed
 * in through the real flow doing their scripts, Last.fm faults at a rate, and the server killed
 * with SIGKILL at random moments and started again on the same store. At the end each guest's
 * library is judged against the host's scrobbles inside its windows (check.ts).
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { defaultEngineConfig } from '../engine/config.js';
import type { ActionRecord, GuestBrowser } from './browser.js';
import { SOAK_FAULT_CODES, sleep, sleepUntil, type EmulatorControl } from './emulator.js';
import { drain, oneHost } from './drain.js';
import { runGuest, soakGuests, type GuestScript } from './guests.js';
import { catalogue, planHost, planKills, POISON_SONGS, type Segment } from './plan.js';
import { startPlayer } from './player.js';
import { createScratchDatabase, postgresServerUrl } from './postgres.js';
import { freePort, LassoProcess, type EmulatorProcess } from './procs.js';
import { PortLog } from './calls.js';
import { startForwarder, type Forwarder } from './forwarder.js';
import {
  aimedAt,
  killAim,
  singleReport,
  type KillAim,
  type KillRecord,
  type SingleReport,
} from './report.js';
import {
  gatherCallsMeanwhile,
  inWorkFolder,
  lassoEnv,
  signInGuests,
  startScene,
  writeEvidence,
} from './scene.js';
import { settled, unwrap, type Teardown } from './teardown.js';
import { newTruth, type HostTruth } from './truth.js';

/** What `npm run soak` was asked for. */
export interface SoakOptions {
  kills: number;
  faults: number;
  minutes: number;
  store: 'pglite' | 'postgres';
  seed: number;
  /** Play the poison tracks (a NUL name, an over-long name). */
  poison: boolean;
  /** The checkout whose built `dist/` runs. */
  root: string;
  /** Keep the work folder (logs, PGlite data) even when the run passes. */
  keep: boolean;
  log: (line: string) => void;
}

const HOST = 'soak_host';

/** Waits until some guest has a scrobble accepted after `since`; null if `until` passes first. */
async function mirroringResumed(
  control: EmulatorControl,
  guests: readonly string[],
  since: number,
  until: number,
): Promise<number | null> {
  while (Date.now() < until) {
    const lists = await Promise.all(guests.map((g) => control.submissions(g).catch(() => [])));
    const after = lists.flat().filter((s) => s.at > since);
    if (after.length > 0) return Math.min(...after.map((s) => s.at));
    await sleep(500);
  }
  return null;
}

/** Asks each guest's browser who it is signed in as; one signed out (or as another) is lost. */
export async function checkSessions(
  guests: readonly GuestBrowser[],
  lost: Set<string>,
): Promise<void> {
  for (const g of guests) {
    for (let i = 0; i < 40; i++) {
      const who = await g.whoAmI();
      if (who === undefined) {
        await sleep(500);
        continue;
      }
      if (who !== g.name) lost.add(g.name);
      break;
    }
  }
}

/** How long a kill waits for the call it aims at before it kills all the same. */
const AIM_WAIT_MS = 30_000;

/**
 * Waits, from now, for the call `aim` names to pass the forwarder on its way to Last.fm (the
 * emulator will apply it; its answer will find the process dead). False when none came in time.
 */
async function aimAt(forwarder: Forwarder, aim: KillAim): Promise<boolean> {
  if (aim === 'anytime') return true;
  let seen = false;
  const caught = new Promise<void>((resolve) =>
    forwarder.watch((chunk) => {
      seen = aimedAt(chunk, aim, HOST);
      if (seen) resolve();
      return seen;
    }),
  );
  await Promise.race([caught, sleep(AIM_WAIT_MS)]);
  forwarder.watch(() => true);
  return seen;
}

/**
 * The kills: each at its planned moment, but not before mirroring resumed after the last one;
 * in turn as a submission is on its way, as a poll is, and at that moment (`killAim`).
 */
async function killLoop(
  lasso: LassoProcess,
  forwarder: Forwarder,
  control: EmulatorControl,
  guests: readonly GuestBrowser[],
  plan: { t0: number; at: readonly number[]; waitCapMs: number; lost: Set<string> },
  log: (line: string) => void,
): Promise<KillRecord[]> {
  const kills: KillRecord[] = [];
  let resumed = 0;
  for (const [i, at] of plan.at.entries()) {
    await sleepUntil(Math.max(plan.t0 + at, resumed + 2000));
    const aim = killAim(i);
    const hit = await aimAt(forwarder, aim);
    await lasso.kill();
    const killedAt = lasso.killedAt;
    await lasso.start();
    const upAt = lasso.readyAt;
    await checkSessions(guests, plan.lost);
    const names = guests.map((g) => g.name);
    const back = await mirroringResumed(control, names, upAt, upAt + plan.waitCapMs);
    resumed = back ?? Date.now();
    kills.push({ killedAt, upAt, aim, hit });
    const during = aim === 'anytime' ? '' : hit ? ` during a ${aim}` : ` (no ${aim} came)`;
    log(
      `kill ${i + 1}/${plan.at.length}${during}: up again after ${((upAt - killedAt) / 1000).toFixed(1)} s, ` +
        (back === null
          ? 'mirroring not resumed yet'
          : `mirroring resumed ${((back - upAt) / 1000).toFixed(1)} s later`),
    );
  }
  return kills;
}

/** What a run will do, planned from its seed. */
interface SoakPlan {
  lengthMs: number;
  segments: Segment[];
  scripts: GuestScript[];
  killAt: number[];
}

/** The host's and the guests' scripts and the kill moments of a run. */
function planSoak(o: SoakOptions): SoakPlan {
  const lengthMs = Math.round(o.minutes * 60_000);
  const poison = o.poison
    ? POISON_SONGS.map((s, i) => ({
        song: { ...s, durationMs: 8000 },
        atMs: lengthMs * (0.2 + 0.1 * i),
      }))
    : [];
  const segments = planHost({
    seed: o.seed,
    songs: catalogue(o.seed, 4, 15),
    horizonMs: lengthMs * 4 + 20 * 60_000,
    skipRate: 0.15,
    repeatRate: 0.1,
    lateRate: 0.15,
    lateMs: [3000, 30_000],
    pause: { atMs: lengthMs * 0.55, lengthMs: Math.min(60_000, Math.max(8000, lengthMs * 0.06)) },
    poison,
    openWithEveryCase: true,
  });
  const scripts = soakGuests(lengthMs, segments);
  return { lengthMs, segments, scripts, killAt: planKills(o.seed, o.kills, lengthMs) };
}

/** The running processes and the signed-in guests. */
interface SoakScene {
  emu: EmulatorProcess;
  /** Lasso's way to Last.fm: the kills watch it. */
  forwarder: Forwarder;
  lasso: LassoProcess;
  guests: GuestBrowser[];
}

/** Starts the emulator, the store, Lasso; signs the guests in; turns the faults on. */
async function setUp(o: SoakOptions, plan: SoakPlan, dir: string, teardown: Teardown) {
  const emu = await startScene(o.root, dir, [HOST, ...plan.scripts.map((s) => s.name)]);
  teardown.add(() => emu.stop());
  let store: { databaseUrl: string } | { dataDir: string } = { dataDir: path.join(dir, 'data') };
  if (o.store === 'postgres') {
    const server = postgresServerUrl();
    if (!server) throw new Error('--store postgres needs DATABASE_URL or TEST_DATABASE_URL');
    const scratch = await createScratchDatabase(server);
    teardown.add(() => scratch.drop());
    store = { databaseUrl: scratch.url };
  }
  const forwarder = await startForwarder('lasso', emu.port, new PortLog());
  teardown.add(() => forwarder.close());
  const port = await freePort();
  const env = lassoEnv({
    port,
    emulatorUrl: emu.url,
    apiUrl: `http://127.0.0.1:${forwarder.port}/2.0/`,
    store,
  });
  const url = `http://127.0.0.1:${port}`;
  const lasso = new LassoProcess('lasso', url, o.root, env, path.join(dir, 'lasso.log'));
  teardown.add(() => lasso.stop());
  await lasso.start();
  o.log(
    `Lasso up on ${o.store}; signing in ${plan.scripts.length} guests through the consent page …`,
  );
  const guests = await signInGuests(
    plan.scripts.map((s) => s.name),
    () => url,
    5,
  );
  await emu.control.setFaults({ rate: o.faults, codes: SOAK_FAULT_CODES, seed: o.seed });
  return { emu, forwarder, lasso, guests };
}

/** What happened while the music played. */
interface SoakPlay {
  t0: number;
  endedAt: number;
  truth: HostTruth;
  actions: ActionRecord[][];
  kills: KillRecord[];
  lost: Set<string>;
}

/** Plays the host's script, runs the guests' and kills Lasso as planned; stops the music. */
async function play(o: SoakOptions, plan: SoakPlan, scene: SoakScene, teardown: Teardown) {
  const { emu, lasso, guests } = scene;
  const cfg = defaultEngineConfig;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  teardown.add(async () => stop.abort());
  const t0 = Date.now() + 1000;
  const truth = newTruth(HOST);
  const player = startPlayer(emu.control, plan.segments, t0, truth);
  teardown.add(async () => player.stop());
  const played = settled(player.done);
  const retryMs = cfg.leaseMs + 5 * 60_000;
  const runs = guests.map((g, i) =>
    settled(runGuest(g, plan.scripts[i]!, { host: HOST, t0, retryMs, signal: stop.signal })),
  );
  const lost = new Set<string>();
  o.log(`playing for ${o.minutes} min with ${o.kills} kills and faults at ${o.faults} …`);
  const kills = await killLoop(
    lasso,
    scene.forwarder,
    emu.control,
    guests,
    { t0, at: plan.killAt, waitCapMs: cfg.leaseMs + 90_000, lost },
    o.log,
  );
  await sleepUntil(t0 + plan.lengthMs);
  const actions = (await Promise.all(runs)).map(unwrap);
  player.stop();
  unwrap(await played);
  return { t0, endedAt: Date.now(), truth, actions, kills, lost };
}

/** Waits for Lasso to finish, judges the guests, checks their sessions, builds the report. */
async function finish(
  o: SoakOptions,
  plan: SoakPlan,
  scene: SoakScene,
  run: SoakPlay,
  dir: string,
) {
  const { emu, guests } = scene;
  const cfg = defaultEngineConfig;
  await emu.control.clearFaults();
  o.log('script over; waiting for Lasso to finish mirroring …');
  const lastUp = run.kills.at(-1)?.upAt ?? run.t0;
  const judged = await drain({
    emu,
    truthOf: oneHost(run.truth),
    guests,
    actions: run.actions,
    deadline: Math.max(run.endedAt, lastUp + cfg.leaseMs) + 150_000,
  });
  await checkSessions(guests, run.lost);
  await emu.control.gatherCalls();
  const { store, kills, faults, minutes, seed, poison } = o;
  const report = singleReport({
    options: { store, kills, faults, minutes, seed, poison },
    scripts: plan.scripts,
    judged,
    actions: run.actions,
    kills: run.kills,
    lost: [...run.lost],
    calls: emu.control.calls(),
    startedAt: run.t0,
    endedAt: run.endedAt,
  });
  if (!report.passed) {
    const calls = emu.control.calls();
    o.log(
      `evidence in ${await writeEvidence(dir, { truth: run.truth, guests: judged.evidence, calls })}`,
    );
  }
  return report;
}

/** Runs one soak and returns its report. Every process it started is stopped before it returns. */
export async function runSoak(o: SoakOptions): Promise<SingleReport> {
  const plan = planSoak(o);
  return inWorkFolder('soak', o, async (dir, teardown) => {
    o.log(`work folder ${dir}`);
    const scene = await setUp(o, plan, dir, teardown);
    gatherCallsMeanwhile(scene.emu, teardown, 20_000);
    const run = await play(o, plan, scene, teardown);
    return finish(o, plan, scene, run, dir);
  });
}
