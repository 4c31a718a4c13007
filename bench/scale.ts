/**
 * `npm run bench:scale [-- --quick | --follows N --hosts M --minutes K] [--seed S] [--no-now-playing]
 * [--no-upkeep] [--json]`:
 * one engine instance with N follows (default 10,000) over M hosts (2,000) for K simulated
 * minutes (60), on PGlite and, when `DATABASE_URL` or `TEST_DATABASE_URL` names a server, on a
 * scratch PostgreSQL database. Each database runs in its own child process so its peak RSS is its
 * own. Prints a table, writes bench/out/scale.json. The simulation runs as fast as the engine can:
 * a run's wall time is about the engine's CPU time plus the database's.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScale, type ScaleFigures, type ScaleOptions } from './scale-run.js';
import { postgresUrlFromEnv } from './timed-db.js';
import { mark, numberArg, parseArgs, table } from './stats.js';

const RESULT_MARK = 'SCALE_RESULT ';
const GOAL_CORE_FRACTION = 0.1;

function options(argv: string[]): ScaleOptions & { json: boolean; child: boolean } {
  const args = parseArgs(argv);
  const db = args.get('db');
  // --quick: a fifth of the follows for ten minutes (about two minutes of wall time).
  const quick = args.get('quick') === true;
  return {
    follows: numberArg(args, 'follows', quick ? 2_000 : 10_000),
    hosts: numberArg(args, 'hosts', quick ? 400 : 2_000),
    minutes: numberArg(args, 'minutes', quick ? 10 : 60),
    seed: numberArg(args, 'seed', 1),
    db: db === 'postgres' ? 'postgres' : 'pglite',
    postgresUrl: postgresUrlFromEnv(),
    mirrorNowPlaying: args.get('no-now-playing') !== true,
    upkeep: args.get('no-upkeep') !== true,
    json: args.get('json') === true,
    child: args.get('child') === true,
  };
}

/** Runs this script again in a child process for one database and returns its figures. */
function runChild(db: 'pglite' | 'postgres', argv: string[]): Promise<ScaleFigures> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, ...argv, '--child', '--db', db],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || !line) reject(new Error(`scale run on ${db} failed (exit ${code})`));
      else resolve(JSON.parse(line.slice(RESULT_MARK.length)) as ScaleFigures);
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o = options(argv);
  if (o.child) {
    const figures = await runScale(o);
    console.log(`${RESULT_MARK}${JSON.stringify(figures)}`);
    return;
  }
  const passOn = argv.filter((a) => a !== '--json');
  const log = (s: string): void => {
    if (!o.json) console.log(s);
  };
  log(`scale bench: ${o.follows} follows over ${o.hosts} hosts, ${o.minutes} simulated minutes`);
  const results: ScaleFigures[] = [];
  log('running on PGlite …');
  results.push(await runChild('pglite', passOn));
  let skipped: string | null = null;
  if (o.postgresUrl) {
    log('running on PostgreSQL (scratch database) …');
    results.push(await runChild('postgres', passOn));
  } else {
    skipped = 'PostgreSQL run skipped: set DATABASE_URL or TEST_DATABASE_URL';
  }
  const report = {
    follows: o.follows,
    hosts: o.hosts,
    minutes: o.minutes,
    seed: o.seed,
    results,
    skipped,
  };
  const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'scale.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else printReport(results, skipped);
}

const HEADER = [
  'db',
  'engine CPU s',
  'CPU s/sim min',
  'core share',
  'main thread s',
  'emulator s',
  'DB s/sim min',
  'queries',
  'peak RSS MB',
  'upkeep passes/checkpoints/s',
  'calls',
  'wall s (setup+run)',
  'missing',
  'outside',
  'dup',
];

const METHOD = [
  'How it is measured: engine CPU = process CPU (process.cpuUsage) minus the CPU of the',
  'emulator worker thread (/proc/thread-self/stat read inside it), over the simulated minutes only',
  '(setup and the final drain are not counted). It includes the main thread (engine, the simulation',
  "loop's bookkeeping and, on PGlite, the database itself, which runs in-process) and V8/libuv helper",
  'threads. "main thread" is the main thread alone. DB time = sum of statement durations from',
  "Kysely's query log (connection waits excluded; on PostgreSQL, the server's own CPU is not in",
  'engine CPU). Peak RSS is the whole child process: engine, PGlite and the emulator worker.',
].join('\n');

function row(r: ScaleFigures): string[] {
  return [
    r.db,
    String(r.engine_cpu_s),
    String(r.engine_cpu_s_per_sim_minute),
    `${(r.core_fraction_realtime * 100).toFixed(1)} %`,
    String(r.main_thread_cpu_s ?? '–'),
    String(r.emulator_cpu_s ?? '–'),
    String(r.db_query_s_per_sim_minute),
    String(r.db_queries),
    String(r.peak_rss_mb),
    r.db === 'pglite' ? `${r.autovacuum_passes}/${r.checkpoints}/${r.autovacuum_s}` : '–',
    String(r.calls_total),
    `${r.setup_wall_s}+${r.run_wall_s}`,
    String(r.missing),
    String(r.outside_window),
    String(r.duplicates),
  ];
}

function printReport(results: ScaleFigures[], skipped: string | null): void {
  console.log(`\n${table([HEADER, ...results.map(row)])}\n`);
  if (skipped) console.log(skipped);
  console.log(METHOD);
  for (const r of results) {
    const ok = r.core_fraction_realtime < GOAL_CORE_FRACTION;
    console.log(
      `${mark(ok)} ${r.db}: ${r.engine_cpu_s_per_sim_minute} engine CPU s per simulated minute = ` +
        `${(r.core_fraction_realtime * 100).toFixed(1)} % of one core at real-time speed (goal < 10 %)`,
    );
    console.log(`  calls by method: ${JSON.stringify(r.calls_by_method)}`);
    const top = r.db_top_statements.map(([shape, n, sec]) => `${shape} ×${n} ${sec} s`).join(', ');
    console.log(`  most database time: ${top}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
