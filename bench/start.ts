/**
 * `npm run bench:start [-- --runs N --idle S --npm-runs M --compare DIR --json]`: how long the
 * built server (`node dist/server/main.js`) takes from process start to its first `/readyz` 200,
 * and its RSS after S (30) seconds idle, for each way it starts: the embedded store's first run
 * (empty `DATA_DIR`), an embedded restart, demo mode, and PostgreSQL (with `DATABASE_URL` or
 * `TEST_DATABASE_URL`; a scratch database migrated by one untimed start first). The median of N
 * (5) runs each; the idle RSS is read in the last run of each case. A bare `node -e` HTTP server
 * is timed the same way as the floor, and `npm start` on an unchanged built tree (demo mode, M
 * runs, default 2) shows what a second `npm start` costs. `--compare DIR` measures another built
 * checkout in the same run, alternating with this one run by run. Prints a table; writes
 * bench/out/start.json. Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase, postgresServerUrl } from './http/postgres.js';
import { mark, median, numberArg, parseArgs, round, table } from './stats.js';
import { freePort, runOnce, type Case } from './start/run.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** A bare HTTP server: the floor of "process start → first answer". */
const FLOOR_SCRIPT =
  "require('node:http').createServer((q,s)=>s.end('ok')).listen(+process.env.PORT,'127.0.0.1')";

/** The figures of one case. */
interface CaseResult {
  name: string;
  readyMs: number[];
  idleRssMb: number | null;
  goalReadyMs: number | null;
  goalRssMb: number | null;
}

/** Only what a start needs: no DATABASE_URL or Last.fm key of the shell leaks in. */
function baseEnv(port: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    ENVIRONMENT: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
}

/** Lasso with a Last.fm key (not demo mode) pointed at a closed port: idle, it calls nothing. */
function keyedEnv(port: number): Record<string, string> {
  return {
    ...baseEnv(port),
    LASTFM_API_KEY: 'bench-start',
    LASTFM_API_SECRET: 'bench-start',
    LASTFM_API_URL: 'http://127.0.0.1:9/2.0/',
    LASTFM_AUTH_URL: 'http://127.0.0.1:9/api/auth/',
  };
}

/**
 * Runs each of `variants` (one case in several checkouts) `runs` times, alternating between them
 * run by run so a change in the machine's load falls on all alike; the idle RSS in the last run.
 */
async function measureCase(
  variants: Case[],
  idleMs: number,
  log: (s: string) => void,
): Promise<CaseResult[]> {
  const results = variants.map((c) => ({
    name: c.name,
    readyMs: [] as number[],
    idleRssMb: null as number | null,
    goalReadyMs: c.goalReadyMs,
    goalRssMb: c.goalRssMb,
  }));
  const runs = Math.max(...variants.map((c) => c.runs));
  for (let run = 0; run < runs; run++) {
    for (const [i, c] of variants.entries()) {
      const result = results[i];
      if (!result || run >= c.runs) continue;
      const last = run === c.runs - 1;
      const figures = await runOnce(c, run, last ? idleMs : 0);
      result.readyMs.push(figures.readyMs);
      if (last) result.idleRssMb = figures.rssMb;
      log(`${c.name} #${run + 1}: ready ${Math.round(figures.readyMs)} ms`);
    }
  }
  return results;
}

interface Options {
  /** A second checkout (built) measured in the same run, alternating with this one. */
  compare: string | null;
  runs: number;
  npmRuns: number;
  idleMs: number;
  json: boolean;
}

/** The cases for the checkout `cwd`, named with `label` (when comparing two). */
function cases(
  o: Options,
  cwd: string,
  label: string,
  scratch: string,
  postgresUrl: string | null,
): Case[] {
  const main = path.join(cwd, 'dist/server/main.js');
  const dataDir = (run: number): string => path.join(scratch, `first-${run}`);
  /** The built server with keys (not demo mode) on a free port, and `env` on top. */
  const keyed = async (env: Record<string, string>) => ({
    cmd: process.execPath,
    args: [main],
    env: { ...keyedEnv(await freePort()), ...env },
  });
  const list: Array<Omit<Case, 'cwd'>> = [
    {
      name: 'bare node -e (floor)',
      goalReadyMs: null,
      goalRssMb: null,
      runs: o.runs,
      command: async () => ({
        cmd: process.execPath,
        args: ['-e', FLOOR_SCRIPT],
        env: baseEnv(await freePort()),
      }),
    },
    {
      name: 'embedded, first run',
      goalReadyMs: null,
      goalRssMb: 350,
      runs: o.runs,
      command: (run) => keyed({ DATA_DIR: dataDir(run) }),
    },
    {
      name: 'embedded, restart',
      goalReadyMs: 1500,
      goalRssMb: 350,
      runs: o.runs,
      // The folder the first-run case made in its first run.
      command: () => keyed({ DATA_DIR: dataDir(0) }),
    },
    {
      name: 'demo mode',
      goalReadyMs: 1500,
      goalRssMb: 350,
      runs: o.runs,
      command: async () => ({
        cmd: process.execPath,
        args: [main],
        env: { ...baseEnv(await freePort()), DEMO_EMULATOR_PORT: String(await freePort()) },
      }),
    },
  ];
  if (postgresUrl) {
    list.push({
      name: 'PostgreSQL (migrated)',
      goalReadyMs: 1000,
      goalRssMb: 150,
      runs: o.runs,
      command: () => keyed({ DATABASE_URL: postgresUrl }),
    });
  }
  if (o.npmRuns > 0) {
    list.push({
      name: 'npm start, built tree (demo)',
      goalReadyMs: null,
      goalRssMb: null,
      runs: o.npmRuns,
      command: async () => ({
        cmd: 'npm',
        args: ['start', '--silent'],
        env: { ...baseEnv(await freePort()), DEMO_EMULATOR_PORT: String(await freePort()) },
      }),
    });
  }
  return list.map((c) => ({ ...c, cwd, name: label ? `${c.name} [${label}]` : c.name }));
}

function ms(x: number): string {
  return `${Math.round(x).toLocaleString('en')}`;
}

function print(results: CaseResult[]): string {
  const floor = median(results[0]?.readyMs ?? []) || 0;
  const rows = results.map((r) => {
    const mid = median(r.readyMs);
    const goal = [
      r.goalReadyMs === null ? null : `≤ ${ms(r.goalReadyMs)} ms`,
      r.goalRssMb === null ? null : `≤ ${r.goalRssMb} MB`,
    ].filter(Boolean);
    const met = [
      r.goalReadyMs === null ? null : mid <= r.goalReadyMs,
      r.goalRssMb === null || r.idleRssMb === null ? null : r.idleRssMb <= r.goalRssMb,
    ].filter((x): x is boolean => x !== null);
    return [
      r.name,
      ms(mid),
      `${ms(Math.min(...r.readyMs))}–${ms(Math.max(...r.readyMs))}`,
      floor > 0 ? `${round(mid / floor, 1)}×` : '',
      r.idleRssMb === null ? '–' : String(Math.round(r.idleRssMb)),
      goal.join(', ') || '–',
      met.length === 0 ? '' : mark(met.every(Boolean)),
    ];
  });
  return table([
    ['case', 'ready ms (median)', 'min–max', '× floor', 'idle RSS MB', 'goal', 'met?'],
    ...rows,
  ]);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const o: Options = {
    compare:
      typeof args.get('compare') === 'string' ? path.resolve(String(args.get('compare'))) : null,
    runs: numberArg(args, 'runs', 5),
    npmRuns: numberArg(args, 'npm-runs', 2),
    idleMs: numberArg(args, 'idle', 30) * 1000,
    json: args.get('json') === true,
  };
  const trees = o.compare ? [ROOT, o.compare] : [ROOT];
  for (const tree of trees) {
    const main = path.join(tree, 'dist/server/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build there first`);
  }
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'lasso-bench-start-'));
  const serverUrl = postgresServerUrl();
  const pg = serverUrl ? await createScratchDatabase(serverUrl, 'lasso_bench_start') : null;
  if (!pg) log('PostgreSQL skipped: set DATABASE_URL or TEST_DATABASE_URL (a server URL)');
  const load = (): string =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const results: CaseResult[] = [];
  try {
    const label = (tree: string): string => (o.compare ? path.basename(tree) : '');
    const perTree = trees.map((tree, i) =>
      cases(o, tree, label(tree), path.join(scratch, String(i)), pg?.url ?? null),
    );
    for (const [i, first] of (perTree[0] ?? []).entries()) {
      // The floor is the machine's, not a checkout's: measured once.
      const variants = i === 0 ? [first] : perTree.map((list) => list[i]).filter((c) => !!c);
      try {
        // The scratch database is migrated by one start that is not timed.
        if (first.name.startsWith('PostgreSQL')) await runOnce(first, -1, 0);
        results.push(...(await measureCase(variants, o.idleMs, log)));
      } catch (err) {
        // One case failing (a timeout on a loaded machine) must not lose the others' figures.
        log(`${first.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await pg?.drop();
    await rm(scratch, { recursive: true, force: true });
  }
  const loadAfter = load();
  const out = { loadBefore, loadAfter, idleS: o.idleMs / 1000, results };
  await mkdir(path.join(ROOT, 'bench/out'), { recursive: true });
  await writeFile(path.join(ROOT, 'bench/out/start.json'), JSON.stringify(out, null, 2));
  if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    process.stdout.write(`${print(results)}\n`);
    process.stdout.write(
      `runs ${o.runs} (npm start ${o.npmRuns}); idle RSS after ${o.idleMs / 1000} s in the last run; ` +
        `load average ${loadBefore} → ${loadAfter}; ${os.cpus().length} cores\n`,
    );
  }
}

await main();
