/**
 * `npm run load [-- --duration S --clients N --streams N --store pglite|postgres|both --warmup S
 * --guests G --breakdown --json]`: N (1,000) signed-in guests polling `GET /api/session/status` at once,
 * each on its own connection with its own session and a request always in flight, while N
 * (1,000) event streams stay open, for S (30) seconds, on each store. Prints latency
 * percentiles, errors, the streams' fate, server CPU and peak RSS; writes bench/out/load.json.
 * Exits 1 on any error, timeout, non-2xx answer or stream not open at the end; the p99 goal
 * (< 100 ms) is printed as met or missed. `--breakdown` then measures `/healthz` (no session, no
 * database) and `/api/me` (the session lookup alone) the same way, to show where the status
 * route's time goes; `--guests G` spreads G guests over the clients instead (a control: the same
 * connections with fewer distinct sessions).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_RATE_LIMITS } from './http/lasso-settings.js';
import { measure, type LoadFigures, type LoadSettings } from './http/load.js';
import { failures, GOAL_P99_MS, printRuns, runJson, type StoreRun } from './http/load-report.js';
import { FD_SLACK, openFileLimits, openFileProblem } from './http/open-files.js';
import { backendPids, postgresServerUrl } from './http/postgres.js';
import { listenOverflows } from './http/proc-net.js';
import { coresBetween, machineTicks, processTicks, TICKS_PER_SECOND } from './http/proc-cpu.js';
import { background, waitUntilQuiet } from './http/quiet.js';
import { startScene, type Scene } from './http/scene.js';
import { numberArg, parseArgs, round } from './stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Host scrobbles mirrored to every guest before measuring, so each status has content. */
const SCROBBLES = 5;
/**
 * Lasso's pace towards the emulator while the scene is built (Lasso's default is 4/s, for real
 * Last.fm): a thousand sign-ins, follows and mirrored batches take seconds instead of minutes.
 * Nothing calls Last.fm during the measurement but the host's poll, once a second.
 */
const SETUP_LASTFM_REQUESTS_PER_SECOND = 1000;
/** Cheaper routes measured with `--breakdown`: no session or database, then the session alone. */
const BREAKDOWN_ROUTES = ['/healthz', '/api/me'] as const;
/** How long the server's background (engine, open streams, no requests) is sampled. */
const BACKGROUND_MS = 5_000;
/** The longest wait for a server to work off the requests a finished run left it. */
const DRAIN_MAX_MS = 60_000;

type Store = 'pglite' | 'postgres';

interface Options {
  durationS: number;
  warmupS: number;
  clients: number;
  /** Distinct signed-in guests, spread over the clients; default one per client. */
  guests: number;
  streams: number;
  stores: Store[];
  postgresUrl: string | null;
  breakdown: boolean;
  json: boolean;
}

const STORES: Record<string, Store[]> = {
  pglite: ['pglite'],
  postgres: ['postgres'],
  both: ['pglite', 'postgres'],
};

function positive(args: Map<string, string | true>, name: string, fallback: number): number {
  const n = numberArg(args, name, fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a whole number ≥ 1`);
  return n;
}

function options(argv: string[]): Options {
  const args = parseArgs(argv);
  const storeArg = args.get('store') ?? 'both';
  const stores = typeof storeArg === 'string' ? STORES[storeArg] : undefined;
  if (!stores) throw new Error('--store is pglite, postgres or both');
  const postgresUrl = postgresServerUrl();
  if (stores.includes('postgres') && !postgresUrl) {
    throw new Error(
      `--store ${String(storeArg)} needs DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server ` +
        'URL; a scratch database is created and dropped on it), or --store pglite',
    );
  }
  const warmupS = numberArg(args, 'warmup', 5);
  const clients = positive(args, 'clients', 1000);
  if (warmupS < 0) throw new Error('--warmup needs a number ≥ 0');
  return {
    durationS: positive(args, 'duration', 30),
    warmupS,
    clients,
    guests: positive(args, 'guests', clients),
    streams: positive(args, 'streams', 1000),
    stores,
    postgresUrl,
    breakdown: args.get('breakdown') === true,
    json: args.get('json') === true,
  };
}

/** Reads the CPU of what is not ours to sample over IPC: PostgreSQL's backends, the machine. */
async function outsideCpu(scene: Scene) {
  const pids =
    scene.databaseUrl && isLocal(scene.databaseUrl) ? await backendPids(scene.databaseUrl) : [];
  return {
    at: performance.now(),
    machine: machineTicks(),
    overflows: listenOverflows(),
    store: processTicks(pids),
    local: pids.length > 0,
  };
}

/** Whether a PostgreSQL URL names this machine (only then are its backends' pids ours to read). */
function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return ['127.0.0.1', 'localhost', '[::1]', '::1', ''].includes(host);
}

async function runStore(store: Store, o: Options, log: (s: string) => void): Promise<StoreRun> {
  log(`\n— ${store} —`);
  const scene = await startScene({
    guests: o.guests,
    streams: o.streams,
    scrobbles: SCROBBLES,
    postgresUrl: store === 'postgres' ? o.postgresUrl : null,
    scratchPrefix: 'lasso_bench_load',
    tuning: {
      lastfmRequestsPerSecond: SETUP_LASTFM_REQUESTS_PER_SECOND,
      // Production's: a 1 s poll of a host with a thousand followers is work production never does.
      pollingIntervalMs: null,
    },
    log,
  });
  try {
    const opened = scene.streams.figures();
    log(`streams: ${opened.opened}/${opened.requested} open; the server's background …`);
    const idle = await background(scene.server, BACKGROUND_MS);
    const url = `${scene.origin}/api/session/status`;
    const settings: LoadSettings = {
      connections: o.clients,
      pipelining: 1,
      durationS: o.durationS,
      warmupS: 0,
    };
    let drainedMs = 0;
    const drain = async (): Promise<void> => {
      drainedMs = await waitUntilQuiet(scene.server, idle.cores, DRAIN_MAX_MS);
    };
    if (o.warmupS > 0) {
      log(`warm-up: ${o.warmupS} s, not measured …`);
      await measure(scene.server, url, { ...settings, durationS: o.warmupS }, scene.cookies);
      await drain();
    }
    log(`measuring: ${o.clients} clients for ${o.durationS} s …`);
    const before = await outsideCpu(scene);
    const status = await measure(scene.server, url, settings, scene.cookies);
    const after = await outsideCpu(scene);
    const wallMs = after.at - before.at;
    const machineCores =
      before.machine && after.machine
        ? (after.machine.busy - before.machine.busy) / TICKS_PER_SECOND / (wallMs / 1000)
        : null;
    const sse = scene.streams.figures();
    const warmupDrainMs = drainedMs;
    const breakdown: Array<{ route: string; figures: LoadFigures }> = [];
    for (const route of o.breakdown ? BREAKDOWN_ROUTES : []) {
      await drain();
      log(`breakdown: ${route} …`);
      const figures = await measure(
        scene.server,
        `${scene.origin}${route}`,
        settings,
        scene.cookies,
      );
      breakdown.push({ route, figures });
    }
    return {
      store,
      clients: o.clients,
      guests: o.guests,
      status,
      sse,
      breakdown,
      background: idle,
      warmupDrainMs,
      storeCores: before.local ? coresBetween(before.store, after.store, wallMs) : null,
      machineCores,
      listenOverflows:
        before.overflows === null || after.overflows === null
          ? null
          : after.overflows - before.overflows,
      sampleStatus: scene.sampleStatus,
    };
  } finally {
    await scene.close();
  }
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const log = (s: string): void => {
    if (!o.json) console.log(s);
  };
  // Each process holds a socket per client and per stream: this one the clients' ends, the Lasso
  // child the server's.
  const limits = openFileLimits();
  const problem = openFileProblem(limits, o.clients + o.streams + FD_SLACK);
  if (problem !== null) throw new Error(problem);
  const loadBefore = os.loadavg()[0] ?? 0;
  const who =
    o.guests === o.clients
      ? 'one signed-in guest and connection each'
      : `${o.guests} signed-in guests spread over them`;
  log(
    `load — ${o.clients} clients (${who}) on GET /api/session/status, a request always in flight, ` +
      `${o.streams} event streams, ${o.warmupS} s warm-up + ` +
      `${o.durationS} s; stores: ${o.stores.join(', ')}`,
  );
  const runs: StoreRun[] = [];
  for (const store of o.stores) runs.push(await runStore(store, o, log));
  const report = {
    settings: {
      clients: o.clients,
      guests: o.guests,
      streams: o.streams,
      duration_s: o.durationS,
      warmup_s: o.warmupS,
      scrobbles_per_guest: SCROBBLES,
      goal_p99_ms: GOAL_P99_MS,
    },
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      open_file_limit: limits?.soft ?? null,
      load_1min_before: round(loadBefore),
      load_1min_after: round(os.loadavg()[0] ?? 0),
    },
    rate_limits: BENCH_RATE_LIMITS,
    stores: runs.map(runJson),
    ok: runs.every((r) => failures(r).length === 0),
  };
  await mkdir(path.join(HERE, 'out'), { recursive: true });
  await writeFile(path.join(HERE, 'out', 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`\n${printRuns(runs)}\n`);
    console.log(
      `Load average (1 min) ${report.machine.load_1min_before} before, ` +
        `${report.machine.load_1min_after} after, on ${report.machine.cpus} cores. API rate ` +
        'limits raised (the limiter runs on every request but never refuses).',
    );
  }
  if (!report.ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
