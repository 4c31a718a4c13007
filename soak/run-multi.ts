/**
 * `npm run soak:multi`: three built Lasso processes on one PostgreSQL database, guests following
 * hosts (200 and 50 by default), one process killed with SIGKILL mid-run and not restarted. Each
 * process reaches the emulator through its own forwarder, so the call log says which process
 * made each call. Judged like `npm run soak`, plus: no host polled by two processes at once,
 * the dead process's hosts polled by another within their lease, and the shared Last.fm pace.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { defaultEngineConfig } from '../engine/config.js';
import { seededRandom } from '../lib/random.js';
import type { ActionRecord, GuestBrowser } from './browser.js';
import { PortLog } from './calls.js';
import { drain } from './drain.js';
import { SOAK_FAULT_CODES, sleep, sleepUntil } from './emulator.js';
import { startForwarder, type Forwarder } from './forwarder.js';
import { multiGuests, runGuest, type GuestScript } from './guests.js';
import { multiReport, type MultiReport } from './multi-report.js';
import { catalogue, planHost, type Segment } from './plan.js';
import { startPlayer } from './player.js';
import { createScratchDatabase, inFlight, postgresServerUrl } from './postgres.js';
import { freePort, LassoProcess, type EmulatorProcess } from './procs.js';
import { checkSessions } from './run-single.js';
import {
  gatherCallsMeanwhile,
  inWorkFolder,
  lassoEnv,
  REQUESTS_PER_SECOND,
  signInGuests,
  startScene,
  writeEvidence,
} from './scene.js';
import { settled, unwrap, type Teardown } from './teardown.js';
import { newTruth, type HostTruth } from './truth.js';

/** What `npm run soak:multi` was asked for. */
export interface MultiOptions {
  guests: number;
  hosts: number;
  minutes: number;
  faults: number;
  seed: number;
  root: string;
  keep: boolean;
  log: (line: string) => void;
}

/** The Lasso processes; the second one is killed. */
const NAMES = ['A', 'B', 'C'] as const;

/** Track lengths that keep the load under ~70 % of the pace: one poll-and-a-half per host and one scrobble per guest per track. */
export function trackSeconds(hosts: number, guests: number): [number, number] {
  const mean = Math.max(20, Math.ceil((hosts * 1.5 + guests) / (0.7 * REQUESTS_PER_SECOND)));
  return [Math.round(mean * 0.6), Math.round(mean * 1.4)];
}

/**
 * Kills `victim` at its first poll of a host after `at`: its forwarder sees the request go out
 * (`user.getRecentTracks` of a host from a moment on) and the process gets SIGKILL while the
 * answer is on its way, so it dies holding that host's lease. Returns what it held, read from
 * the store.
 */
async function killMidPoll(
  victim: LassoProcess,
  forwarder: Forwarder,
  hosts: readonly string[],
  dbUrl: string,
  at: number,
) {
  await sleepUntil(at);
  const pid = victim.pid ?? 0;
  const caught = new Promise<void>((resolve) => {
    forwarder.watch((chunk) => {
      const line = /^(GET|POST) /.test(chunk) ? (chunk.split('\r\n')[0] ?? '') : '';
      const query = new URLSearchParams(line.split(' ')[1]?.split('?')[1] ?? '');
      // A poll reads from a moment on; a guest's start or resume reads the newest track only.
      const isPoll =
        query.get('method') === 'user.getRecentTracks' &&
        hosts.includes(query.get('user') ?? '') &&
        query.has('from');
      if (isPoll) resolve();
      return isPoll;
    });
  });
  // A process that polls nothing for a minute is killed all the same.
  await Promise.race([caught, sleep(60_000)]);
  await victim.kill();
  return { killedAt: victim.killedAt, ...(await inFlight(dbUrl, pid)) };
}

/** What a run will do, planned from its seed. */
interface MultiPlan {
  lengthMs: number;
  trackSeconds: [number, number];
  hostNames: string[];
  guestNames: string[];
  hostSegments: Segment[][];
  scripts: (GuestScript & { host: number })[];
  killAt: number;
}

const numbered = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}_${String(i + 1).padStart(3, '0')}`);

/** The hosts' and guests' scripts and the kill moment. */
function planMulti(o: MultiOptions): MultiPlan {
  const random = seededRandom(o.seed);
  const lengthMs = Math.round(o.minutes * 60_000);
  const [minS, maxS] = trackSeconds(o.hosts, o.guests);
  const songs = catalogue(o.seed, minS, maxS);
  const hostNames = numbered('host', o.hosts);
  const guestNames = numbered('guest', o.guests);
  const hostSegments = hostNames.map((_, i) =>
    planHost({
      seed: o.seed * 1000 + i,
      songs,
      horizonMs: lengthMs * 3 + 10 * 60_000,
      skipRate: 0.1,
      repeatRate: 0.05,
      lateRate: 0.1,
      lateMs: [3000, 20_000],
      leadInMs: Math.round(random.next() * maxS * 1000),
    }),
  );
  const scripts = multiGuests(guestNames, hostSegments, lengthMs, random);
  const killAt = lengthMs * (0.4 + 0.1 * random.next());
  return {
    lengthMs,
    trackSeconds: [minS, maxS],
    hostNames,
    guestNames,
    hostSegments,
    scripts,
    killAt,
  };
}

/** The running processes and the signed-in guests. */
interface MultiScene {
  emu: EmulatorProcess;
  dbUrl: string;
  ports: PortLog;
  forwarders: Forwarder[];
  lassos: LassoProcess[];
  guests: GuestBrowser[];
}

/** Starts the emulator, the database, three forwarders and three Lassos; signs guests in. */
async function setUp(o: MultiOptions, plan: MultiPlan, dir: string, teardown: Teardown) {
  const server = postgresServerUrl();
  if (!server) throw new Error('soak:multi needs DATABASE_URL or TEST_DATABASE_URL (PostgreSQL)');
  const emu = await startScene(o.root, dir, [...plan.hostNames, ...plan.guestNames]);
  teardown.add(() => emu.stop());
  const scratch = await createScratchDatabase(server);
  teardown.add(() => scratch.drop());
  const ports = new PortLog();
  const forwarders: Forwarder[] = [];
  const lassos: LassoProcess[] = [];
  for (const name of NAMES) {
    const fwd = await startForwarder(name, emu.port, ports);
    teardown.add(() => fwd.close());
    forwarders.push(fwd);
    const port = await freePort();
    const env = lassoEnv({
      port,
      emulatorUrl: emu.url,
      apiUrl: `http://127.0.0.1:${fwd.port}/2.0/`,
      store: { databaseUrl: scratch.url },
    });
    const lasso = new LassoProcess(
      name,
      `http://127.0.0.1:${port}`,
      o.root,
      env,
      path.join(dir, `lasso-${name}.log`),
    );
    teardown.add(() => lasso.stop());
    lassos.push(lasso);
  }
  // The first migrates the database; the others start on it.
  await lassos[0]!.start();
  await Promise.all(lassos.slice(1).map((l) => l.start()));
  o.log(`3 Lasso processes up; signing in ${o.guests} guests through the consent page …`);
  // Three a second: arriving guests, not a flood (Lasso's pace is tested by the run itself).
  const originOf = (i: number): string => lassos[i % lassos.length]!.url;
  const guests = await signInGuests(plan.guestNames, originOf, 6, 330);
  if (o.faults > 0) {
    await emu.control.setFaults({ rate: o.faults, codes: SOAK_FAULT_CODES, seed: o.seed });
  }
  return { emu, dbUrl: scratch.url, ports, forwarders, lassos, guests };
}

/** What happened while the music played. */
interface MultiPlay {
  t0: number;
  endedAt: number;
  truths: HostTruth[];
  actions: ActionRecord[][];
  kill: Awaited<ReturnType<typeof killMidPoll>>;
}

/** Plays every host's script, runs the guests', kills B; stops the music. */
async function play(o: MultiOptions, plan: MultiPlan, scene: MultiScene, teardown: Teardown) {
  const { emu, lassos, guests } = scene;
  const stop = new AbortController();
  // Every guest waits on it: more listeners than Node's warning threshold, not a leak.
  setMaxListeners(0, stop.signal);
  teardown.add(async () => stop.abort());
  const t0 = Date.now() + 1000;
  const truths = plan.hostNames.map((h) => newTruth(h));
  const players = plan.hostSegments.map((segments, i) =>
    startPlayer(emu.control, segments, t0, truths[i]!),
  );
  teardown.add(async () => players.forEach((p) => p.stop()));
  const played = settled(Promise.all(players.map((p) => p.done)));
  // A load balancer's view: a guest whose instance does not answer goes to a live one.
  const move = (g: GuestBrowser): void => {
    const live = lassos.filter((l) => l.running);
    if (live.length > 0 && !live.some((l) => l.url === g.origin)) {
      g.origin = live[guests.indexOf(g) % live.length]!.url;
    }
  };
  const retryMs = defaultEngineConfig.leaseMs + 5 * 60_000;
  const runs = guests.map((g, i) => {
    const script = plan.scripts[i]!;
    const host = plan.hostNames[script.host]!;
    return settled(
      runGuest(g, script, { host, t0, retryMs, onNoAnswer: move, signal: stop.signal }),
    );
  });
  const victim = lassos[1]!;
  o.log(`playing for ${o.minutes} min; killing ${victim.name} about halfway …`);
  const kill = await killMidPoll(
    victim,
    scene.forwarders[1]!,
    plan.hostNames,
    scene.dbUrl,
    t0 + plan.killAt,
  );
  o.log(`killed ${victim.name} holding ${kill.leases.length} host lease(s)`);
  for (const g of guests) move(g);
  await sleepUntil(t0 + plan.lengthMs);
  const actions = (await Promise.all(runs)).map(unwrap);
  players.forEach((p) => p.stop());
  unwrap(await played);
  return { t0, endedAt: Date.now(), truths, actions, kill };
}

/** Waits for Lasso to finish, judges the guests, checks sessions and calls, builds the report. */
async function finish(
  o: MultiOptions,
  plan: MultiPlan,
  scene: MultiScene,
  run: MultiPlay,
  dir: string,
) {
  const { emu, guests, lassos } = scene;
  const cfg = defaultEngineConfig;
  await emu.control.clearFaults();
  o.log('script over; waiting for Lasso to finish mirroring …');
  const truthOf = new Map(plan.scripts.map((s) => [s.name, run.truths[s.host]!]));
  const judged = await drain({
    emu,
    truthOf: (g) => truthOf.get(g)!,
    guests,
    actions: run.actions,
    deadline: Math.max(run.endedAt, run.kill.killedAt + cfg.leaseMs) + 150_000,
  });
  const lost = new Set<string>();
  await checkSessions(guests, lost);
  await emu.control.gatherCalls();
  const { guests: g, hosts, minutes, faults, seed } = o;
  const report = multiReport({
    options: { guests: g, hosts, minutes, faults, seed },
    judged,
    actions: run.actions,
    lost: [...lost],
    calls: emu.control.calls(),
    ports: scene.ports,
    processes: lassos.map((l) => ({ name: l.name, url: l.url, running: l.running })),
    victim: lassos[1]!.name,
    kill: run.kill,
    followersOf: (host) =>
      plan.scripts.filter((s) => plan.hostNames[s.host] === host).map((s) => s.name),
    hosts: plan.hostNames,
    leaseMs: cfg.leaseMs,
    trackSeconds: plan.trackSeconds,
    startedAt: run.t0,
    endedAt: run.endedAt,
  });
  if (!report.passed) {
    const evidence = { truths: run.truths, guests: judged.evidence, calls: emu.control.calls() };
    o.log(`evidence in ${await writeEvidence(dir, evidence)}`);
  }
  return report;
}

/** Runs one multi-instance soak. Every process it started is stopped before it returns. */
export async function runMulti(o: MultiOptions): Promise<MultiReport> {
  const plan = planMulti(o);
  return inWorkFolder('soak-multi', o, async (dir, teardown) => {
    const [minS, maxS] = plan.trackSeconds;
    o.log(`work folder ${dir}; tracks of ${minS}–${maxS} s`);
    const scene = await setUp(o, plan, dir, teardown);
    gatherCallsMeanwhile(scene.emu, teardown, 15_000);
    const run = await play(o, plan, scene, teardown);
    return finish(o, plan, scene, run, dir);
  });
}
