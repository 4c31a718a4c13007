/**
 * `npm run bench:http [-- --duration S --rounds R --warmup S --connections N --pipelining P
 * --streams K --guests G --scrobbles M --source | --built DIR --json]`: requests per second of a signed-in
 * `GET /api/session/status` against a bare Fastify hello on the same machine, with K (1,000)
 * event streams held open; both servers up throughout and measured in turn, R (5) slices of
 * S/R seconds each. Lasso runs from the built tree (`dist/`, as in production; the npm script
 * builds first), from another built tree with `--built DIR`, or from the source through tsx
 * with `--source`. Goal: status ≥ 0.5 × hello, and no stream errors. Prints a table,
 * writes bench/out/http.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, type ServerChild } from './http/child.js';
import { BENCH_RATE_LIMITS } from './http/lasso-settings.js';
import { combineFigures, measure, type LoadFigures, type LoadSettings } from './http/load.js';
import { FD_SLACK, openFileLimits, openFileProblem } from './http/open-files.js';
import { startScene } from './http/scene.js';
import { postgresServerUrl } from './http/postgres.js';
import type { SseFigures } from './http/sse.js';
import { mark, numberArg, parseArgs, round, table } from './stats.js';
import { DEFAULT_RATE_LIMITS } from '../server/security.js';

const GOAL_RATIO = 0.5;
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Options extends LoadSettings {
  /** The measured duration is split into this many slices per server, taken in turn. */
  rounds: number;
  streams: number;
  guests: number;
  scrobbles: number;
  db: 'pglite' | 'postgres';
  postgresUrl: string | null;
  breakdown: boolean;
  /** The built tree Lasso runs from (`dist/`), or null with `--source` (tsx). */
  built: string | null;
  json: boolean;
}

/** Extra Lasso routes measured with `--breakdown`: no database, then the session lookup alone. */
const BREAKDOWN_ROUTES = ['/healthz', '/api/me'] as const;

/**
 * The built tree: `dir` (`--built DIR`, another checkout's `dist/` to compare with), else this
 * checkout's (`npm run bench:http` builds first; `npm run build` by hand otherwise).
 */
function builtTree(dir: string | null): string {
  const dist = dir === null ? path.join(HERE, '..', 'dist') : path.resolve(dir);
  if (!existsSync(path.join(dist, 'server', 'runtime.js'))) {
    throw new Error(`${dist} has no built server: run npm run build, or pass --source`);
  }
  return dist;
}

function options(argv: string[]): Options {
  const args = parseArgs(argv);
  const db = args.get('db') === 'postgres' ? 'postgres' : 'pglite';
  const postgresUrl = db === 'postgres' ? postgresServerUrl() : null;
  if (db === 'postgres' && !postgresUrl) {
    throw new Error('--db postgres needs DATABASE_URL or TEST_DATABASE_URL (a server URL)');
  }
  return {
    db,
    postgresUrl,
    breakdown: args.get('breakdown') === true,
    built:
      args.get('source') === true
        ? null
        : builtTree(typeof args.get('built') === 'string' ? String(args.get('built')) : null),
    durationS: numberArg(args, 'duration', 10),
    rounds: Math.max(1, numberArg(args, 'rounds', 5)),
    warmupS: numberArg(args, 'warmup', 2),
    connections: numberArg(args, 'connections', 50),
    pipelining: numberArg(args, 'pipelining', 1),
    streams: numberArg(args, 'streams', 1000),
    guests: numberArg(args, 'guests', 4),
    scrobbles: numberArg(args, 'scrobbles', 5),
    json: args.get('json') === true,
  };
}

/** One URL measured in slices, taking turns with the others. */
interface Target {
  name: string;
  server: ServerChild;
  url: string;
  cookies: readonly string[];
}

/**
 * Measures every target in `o.rounds` rounds of `o.durationS / o.rounds` seconds each, in turn
 * (hello, status, then the breakdown routes), after one warm-up of each; returns each target's
 * slices. A change in the machine's speed during the run (these shared cores drift by up to 2×
 * within minutes) falls on every target alike instead of on whichever ran at that moment.
 * `idle` is sampled around the first target's slices: its CPU then is what it spends idle.
 */
async function measureInRounds(
  targets: readonly Target[],
  o: Options,
  idle: ServerChild,
  log: (s: string) => void,
): Promise<{ slices: LoadFigures[][]; idleCores: number }> {
  const once = (t: Target, durationS: number): Promise<LoadFigures> =>
    measure(t.server, t.url, { ...o, durationS, warmupS: 0 }, t.cookies);
  for (const t of targets) if (o.warmupS > 0) await once(t, o.warmupS);
  const sliceS = sliceSeconds(o);
  const slices = targets.map(() => [] as LoadFigures[]);
  let idleMicros = 0;
  let idleWallS = 0;
  for (let round = 0; round < o.rounds; round++) {
    log(`round ${round + 1}/${o.rounds}: ${targets.map((t) => t.name).join(', ')} …`);
    for (const [i, t] of targets.entries()) {
      const before = i === 0 ? await idle.sample() : null;
      const figures = await once(t, sliceS);
      if (before !== null) {
        idleMicros += (await idle.sample()).cpuMicros - before.cpuMicros;
        idleWallS += figures.wallS;
      }
      slices[i]?.push(figures);
    }
  }
  return { slices, idleCores: idleWallS > 0 ? idleMicros / 1e6 / idleWallS : 0 };
}

/** Seconds per slice: the measured duration split over the rounds, at least 1 s. */
function sliceSeconds(o: Pick<Options, 'durationS' | 'rounds'>): number {
  return Math.max(1, Math.round(o.durationS / o.rounds));
}

/**
 * The bare hello and Lasso (status with the streams open; with `--breakdown`, cheaper Lasso
 * routes too), both servers up for the whole run and measured in turn.
 */
async function measureAll(o: Options, log: (s: string) => void) {
  log('starting the bare Fastify hello and Lasso (child processes) …');
  const helloServer = await spawnServer(path.join(HERE, 'http', 'hello-server.ts'), {});
  try {
    const { built, ...sceneOptions } = o;
    const scene = await startScene({ ...sceneOptions, ...(built ? { built } : {}), log });
    try {
      const before = scene.streams.figures();
      log(`streams: ${before.opened}/${before.requested} open; measuring …`);
      const lasso = (route: string): Target => ({
        name: route,
        server: scene.server,
        url: `${scene.origin}${route}`,
        cookies: scene.cookies,
      });
      const targets: Target[] = [
        { name: 'hello', server: helloServer, url: helloServer.url, cookies: [] },
        lasso('/api/session/status'),
        ...(o.breakdown ? BREAKDOWN_ROUTES.map(lasso) : []),
      ];
      const { slices, idleCores } = await measureInRounds(targets, o, scene.server, log);
      const [hello, status, ...rest] = slices.map(combineFigures);
      if (hello === undefined || status === undefined) throw new Error('nothing measured');
      const roundRatios = (slices[1] ?? []).map(
        (s, r) => s.requestsPerSecMean / (slices[0]?.[r]?.requestsPerSecMean ?? NaN),
      );
      return {
        hello,
        status,
        roundRatios,
        lassoIdleCores: idleCores,
        sse: scene.streams.figures(),
        breakdown: BREAKDOWN_ROUTES.slice(0, rest.length).map((route, i) => ({
          route,
          figures: rest[i] as LoadFigures,
        })),
        sampleStatus: scene.sampleStatus,
      };
    } finally {
      await scene.close();
    }
  } finally {
    await helloServer.close();
  }
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const log = (s: string): void => {
    if (!o.json) console.log(s);
  };
  const limits = openFileLimits();
  const problem = openFileProblem(limits, o.streams + o.connections + FD_SLACK);
  if (problem !== null) throw new Error(problem);
  const fdLimit = limits?.soft ?? null;
  const loadBefore = os.loadavg()[0] ?? 0;
  log(
    `bench:http — ${o.connections} connections, pipelining ${o.pipelining}, ` +
      `${o.warmupS} s warm-up, then ${o.rounds} rounds of ${sliceSeconds(o)} s per server in ` +
      `turn; ${o.streams} event streams; Lasso on ${o.db}`,
  );
  const measured = await measureAll(o, log);
  const report = buildReport(o, { fdLimit, loadBefore, ...measured });
  await mkdir(path.join(HERE, 'out'), { recursive: true });
  await writeFile(path.join(HERE, 'out', 'http.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report, measured.hello, measured);
}

function figuresJson(f: LoadFigures) {
  return {
    url: f.url,
    requests_per_s_mean: round(f.requestsPerSecMean, 1),
    latency_p50_ms: f.latencyP50Ms,
    latency_p99_ms: f.latencyP99Ms,
    latency_mean_ms: round(f.latencyMeanMs),
    requests_total: f.requestsTotal,
    non_2xx: f.non2xx,
    errors: f.errors,
    timeouts: f.timeouts,
    server_cores: round(f.serverCores),
    client_cores: round(f.clientCores),
    server_rss_mb: round(f.serverRssMb, 1),
  };
}

interface Measured {
  fdLimit: number | null;
  /** 1-minute load average before the run: other work on the machine makes figures noisy. */
  loadBefore: number;
  hello: LoadFigures;
  status: LoadFigures;
  breakdown: Array<{ route: string; figures: LoadFigures }>;
  sse: SseFigures;
  sampleStatus: Record<string, unknown>;
  /** Status ÷ hello requests per second, round by round. */
  roundRatios: number[];
  /** Lasso's CPU (cores) while the hello was measured: its engine and streams, idle. */
  lassoIdleCores: number;
}

function machineJson(m: Measured) {
  return {
    cpus: os.cpus().length,
    node: process.version,
    open_file_limit: m.fdLimit,
    load_1min_before: round(m.loadBefore),
    load_1min_after: round(os.loadavg()[0] ?? 0),
  };
}

function sseJson(sse: SseFigures) {
  return {
    requested: sse.requested,
    opened: sse.opened,
    open_after_measurement: sse.open,
    errors: sse.errors,
    with_live_events: sse.withEvents,
    error_samples: sse.errorSamples,
  };
}

function buildReport(o: Options, m: Measured) {
  const ratio = m.status.requestsPerSecMean / m.hello.requestsPerSecMean;
  const recent = m.sampleStatus.recent_scrobbles;
  return {
    settings: {
      connections: o.connections,
      pipelining: o.pipelining,
      duration_s: o.durationS,
      rounds: o.rounds,
      slice_s: sliceSeconds(o),
      warmup_s: o.warmupS,
      streams: o.streams,
      guests: o.guests,
      scrobbles_per_guest: o.scrobbles,
      db: o.db,
      lasso_from: o.built ?? 'source (tsx)',
    },
    machine: machineJson(m),
    rate_limits: {
      measured: BENCH_RATE_LIMITS,
      production: DEFAULT_RATE_LIMITS,
      note: 'raised: the limiter runs on every request but never refuses',
    },
    hello: figuresJson(m.hello),
    status: figuresJson(m.status),
    status_response: {
      bytes: Buffer.byteLength(JSON.stringify(m.sampleStatus)),
      recent_scrobbles: Array.isArray(recent) ? recent.length : 0,
      now_playing: m.sampleStatus.now_playing !== null,
    },
    ratio: round(ratio, 3),
    ratio_by_round: m.roundRatios.map((r) => round(r, 3)),
    lasso_idle_cores_during_hello: round(m.lassoIdleCores, 3),
    goal_ratio: GOAL_RATIO,
    ratio_ok: ratio >= GOAL_RATIO,
    status_all_2xx: m.status.non2xx === 0 && m.status.errors === 0,
    sse: sseJson(m.sse),
    sse_ok: m.sse.errors === 0 && m.sse.open === m.sse.requested,
    breakdown: Object.fromEntries(m.breakdown.map((b) => [b.route, figuresJson(b.figures)])),
  };
}

type Report = ReturnType<typeof buildReport>;

function printReport(
  r: Report,
  hello: LoadFigures,
  m: Pick<Measured, 'status' | 'breakdown' | 'sse'>,
): void {
  const row = (name: string, f: LoadFigures): string[] => [
    name,
    f.requestsPerSecMean.toFixed(0),
    String(f.latencyP50Ms),
    String(f.latencyP99Ms),
    String(f.requestsTotal),
    String(f.non2xx + f.errors),
    f.serverCores.toFixed(2),
    f.clientCores.toFixed(2),
  ];
  const head = ['server', 'req/s mean', 'p50 ms', 'p99 ms', 'requests', 'non-2xx+err'];
  const rows = [
    [...head, 'server cores', 'client cores'],
    row('Fastify hello', hello),
    row('Lasso GET /api/session/status', m.status),
    ...m.breakdown.map((b) => row(`Lasso GET ${b.route} (breakdown)`, b.figures)),
  ];
  console.log(`\n${table(rows)}\n`);
  console.log(
    `ratio status/hello: ${r.ratio.toFixed(3)} (goal ≥ ${GOAL_RATIO}) ${mark(r.ratio_ok)}` +
      `   status answers all 2xx ${mark(r.status_all_2xx)}`,
  );
  console.log(
    `ratio by round: ${r.ratio_by_round.map((x) => x.toFixed(2)).join(', ')}; Lasso idle ` +
      `(engine, streams) at ${r.lasso_idle_cores_during_hello.toFixed(3)} cores while hello was measured`,
  );
  const { sse } = m;
  console.log(
    `event streams: ${sse.opened}/${sse.requested} opened, ${sse.open} still open after the ` +
      `measurement, ${sse.errors} errors (goal 0) ${mark(r.sse_ok)}; ${sse.withEvents} got the ` +
      `mirrored-scrobble events live; Lasso RSS with them open ${m.status.serverRssMb.toFixed(0)} MB`,
  );
  if (sse.errorSamples.length > 0) console.log(`  stream errors: ${sse.errorSamples.join('; ')}`);
  console.log(explanation(r));
}

function explanation(r: Report): string {
  const { production } = r.rate_limits;
  const { cpus, load_1min_before: before, load_1min_after: after } = r.machine;
  const db =
    r.settings.db === 'pglite'
      ? "PGlite (in-process: the database's CPU is in server cores)"
      : 'PostgreSQL on this machine (its CPU is not in server cores; it competes for the cores)';
  return [
    '',
    `Status body: ${r.status_response.bytes} bytes, ${r.status_response.recent_scrobbles} recent ` +
      `scrobbles, now playing ${r.status_response.now_playing ? 'set' : 'none'}; ${r.settings.guests} ` +
      'guests following one host, their sessions spread over the connections.',
    'Each server runs in its own child process; both are up for the whole run and measured in',
    `turn, ${r.settings.rounds} rounds of ${r.settings.slice_s} s each, so a drift in the machine's speed falls on both alike; autocannon, the`,
    'stream sockets and the Last.fm emulator run in this process, so client and server never share',
    `an event loop. This machine has ${cpus} cores: client and server compete for them, the same`,
    'way for both servers ("cores" = CPU time ÷ wall time during the measured run). Load average',
    `(1 min) ${before} before, ${after} after${before > cpus / 2 ? ': the machine is busy, figures are noisy' : ''}.`,
    `Lasso: run from ${r.settings.lasso_from === 'source (tsx)' ? 'the TypeScript source through tsx (--source)' : `the built tree ${r.settings.lasso_from} (as production runs it)`}, ENVIRONMENT=production settings, LOG_LEVEL=warn, ${db},`,
    'engine running (polls the host every second).',
    `API rate limits RAISED to buckets of ${BENCH_RATE_LIMITS.perIp.burst.toExponential(0)} per IP ` +
      'and per session: the limiter runs on every request but never refuses. With the production',
    `limits (${production.perIp.perSecond}/s, burst ${production.perIp.burst} per IP; ` +
      `${production.perSession.perSecond}/s, burst ${production.perSession.burst} per session) one ` +
      'client would mostly be measuring 429 answers.',
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
