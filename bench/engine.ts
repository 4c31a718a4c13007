/**
 * `npm run bench:engine [-- --json] [--seed N] [--minutes M]`: Lasso's engine against the
 * original design's per-guest polling, on one host's jam with five guests and with one, in
 * simulated time on the in-process emulator. Prints a table and the goals with ✓/✗, writes
 * bench/out/engine.json; `--json` prints the JSON instead of the table.
 * `--gaps 60,90,120 [--seeds 1,2,3] [--jams five,one]`: the calls/delay frontier instead
 * (engine-frontier.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJam, type PolicyKind, type RunFigures, type ScenarioName } from './engine-run.js';
import { printFrontier, runFrontier } from './engine-frontier.js';
import { TAIL_S } from './engine-tail.js';
import { createEngine } from '../engine/engine.js';
import { mark, numberArg, parseArgs, table } from './stats.js';

const SCENARIOS: ScenarioName[] = ['five', 'one'];

/** The keys the JSON promises for each policy and scenario, plus a few more for reading. */
interface ScenarioFigures extends Omit<RunFigures, 'window_problems'> {
  calls_per_mirrored_now_playing: number | null;
  calls_by_method_now_playing?: Record<string, number>;
  jams_per_key_now_playing?: number | null;
  window_problems: string[];
}

interface PolicyReport {
  scenarios: Partial<Record<ScenarioName, ScenarioFigures>>;
}

/** The engine's goals: calls per mirrored scrobble, and the delay (README → Benchmarks). */
const GOALS = {
  perMirrored: { five: 2.0, one: 4.0 },
  perMirroredNowPlaying: { five: 3.0, one: 5.0 },
  p50: 15,
  p95: 60,
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const seed = numberArg(args, 'seed', 1);
  const minutes = numberArg(args, 'minutes', 240);
  const asJson = args.get('json') === true;
  const log = (line: string): void => {
    if (!asJson) console.log(line);
  };
  const gaps = args.get('gaps');
  if (gaps !== undefined) {
    const list = (v: string | true | undefined, fallback: number[]): number[] =>
      typeof v === 'string' ? v.split(',').map(Number) : fallback;
    const seeds = list(args.get('seeds'), [seed]);
    const gapsS = list(gaps, []);
    if ([...gapsS, ...seeds].some((n) => !Number.isFinite(n)) || gapsS.length === 0)
      throw new Error('--gaps and --seeds take comma-separated numbers');
    const jams = args.get('jams');
    const scenarios =
      typeof jams === 'string' ? SCENARIOS.filter((s) => jams.split(',').includes(s)) : SCENARIOS;
    const opts = { gapsS, seeds, scenarios, minutes, goals: GOALS, createEngine, log };
    const points = await runFrontier(opts);
    if (asJson) console.log(JSON.stringify(points, null, 2));
    else printFrontier(points, GOALS, minutes);
    return;
  }
  const report: { seed: number; minutes: number; lasso: PolicyReport; baseline: PolicyReport } = {
    seed,
    minutes,
    lasso: { scenarios: {} },
    baseline: { scenarios: {} },
  };
  for (const scenario of SCENARIOS) {
    const run = async (policy: PolicyKind): Promise<RunFigures> => {
      log(`running ${policy} / ${scenario} …`);
      return runJam({ scenario, policy, seed, createEngine, minutes });
    };
    const off = await run('lasso');
    const on = await run('lasso-np');
    report.lasso.scenarios[scenario] = {
      ...off,
      calls_per_mirrored_now_playing: on.calls_per_mirrored,
      calls_by_method_now_playing: on.calls_by_method,
      jams_per_key_now_playing: on.jams_per_key,
      window_problems: [...off.window_problems, ...on.window_problems],
      duplicates: off.duplicates + on.duplicates,
      missing: off.missing + on.missing,
      outside_window: off.outside_window + on.outside_window,
    };
    const base = await run('baseline');
    // The original has no now-playing mirroring: its calls are the same either way.
    report.baseline.scenarios[scenario] = {
      ...base,
      calls_per_mirrored_now_playing: base.calls_per_mirrored,
    };
  }
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'engine.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (asJson) console.log(JSON.stringify(report, null, 2));
  else printReport(report.lasso, report.baseline, seed, minutes);
}

function printReport(
  lasso: PolicyReport,
  baseline: PolicyReport,
  seed: number,
  minutes: number,
): void {
  const cell = (v: number | null | undefined): string =>
    v === null || v === undefined ? '–' : String(v);
  const rows: string[][] = [
    [
      'policy',
      'jam',
      'calls',
      'mirrored',
      'calls/mirrored',
      '… with NP',
      'jams/key',
      'p50 s',
      'p95 s',
      'max s',
      `> ${TAIL_S} s: late skip / after skip / other`,
      'dup',
      'missing',
      'outside',
    ],
  ];
  for (const [name, rep] of [
    ['lasso', lasso],
    ['baseline', baseline],
  ] as const) {
    for (const sc of SCENARIOS) {
      const f = rep.scenarios[sc];
      if (!f) continue;
      rows.push([
        name,
        sc,
        String(f.calls_total),
        String(f.mirrored),
        cell(f.calls_per_mirrored),
        cell(f.calls_per_mirrored_now_playing),
        cell(f.jams_per_key),
        cell(f.delay_p50_s),
        cell(f.delay_p95_s),
        cell(f.delay_max_s),
        `${f.delay_tail.late_skip} / ${f.delay_tail.after_skip} / ${f.delay_tail.other}`,
        String(f.duplicates),
        String(f.missing),
        String(f.outside_window),
      ]);
    }
  }
  console.log(
    `\nEngine bench — seed ${seed}, ${minutes} simulated minutes per jam, in-process emulator\n`,
  );
  console.log(table(rows));
  console.log('\nCalls by method (now-playing mirroring off):');
  for (const [name, rep] of [
    ['lasso', lasso],
    ['baseline', baseline],
  ] as const) {
    for (const sc of SCENARIOS) {
      const f = rep.scenarios[sc];
      if (f) console.log(`  ${name}/${sc}: ${JSON.stringify(f.calls_by_method)}`);
    }
  }
  printGoals(lasso);
  for (const [name, rep] of [
    ['lasso', lasso],
    ['baseline', baseline],
  ] as const) {
    for (const sc of SCENARIOS) {
      for (const p of rep.scenarios[sc]?.window_problems ?? [])
        console.log(`  ! ${name}/${sc} window: ${p}`);
    }
  }
}

function printGoals(lasso: PolicyReport): void {
  console.log('\nGoals (Lasso):');
  for (const sc of SCENARIOS) {
    const f = lasso.scenarios[sc];
    if (!f) continue;
    const le = (v: number | null, max: number): boolean => v !== null && v <= max;
    const lines: Array<[boolean, string]> = [
      [
        f.duplicates === 0 && f.missing === 0 && f.outside_window === 0,
        `${sc}: duplicates / missing / outside window = ${f.duplicates} / ${f.missing} / ${f.outside_window} (goal 0 / 0 / 0)`,
      ],
      [
        le(f.calls_per_mirrored, GOALS.perMirrored[sc]),
        `${sc}: ${f.calls_per_mirrored} calls per mirrored scrobble (goal ≤ ${GOALS.perMirrored[sc]})`,
      ],
      [
        le(f.calls_per_mirrored_now_playing, GOALS.perMirroredNowPlaying[sc]),
        `${sc}: ${f.calls_per_mirrored_now_playing} with now-playing mirroring (goal ≤ ${GOALS.perMirroredNowPlaying[sc]})`,
      ],
      [le(f.delay_p50_s, GOALS.p50), `${sc}: p50 delay ${f.delay_p50_s} s (goal ≤ ${GOALS.p50} s)`],
      [le(f.delay_p95_s, GOALS.p95), `${sc}: p95 delay ${f.delay_p95_s} s (goal ≤ ${GOALS.p95} s)`],
    ];
    for (const [ok, text] of lines) console.log(`  ${mark(ok)} ${text}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
