/**
 * `npm run bench:engine -- --gaps 60,90,120 [--seeds 1,2,3] [--jams five,one] [--json]`: the trade
 * between calls and delay. For each skip-check gap G (seconds; `skipCheckGapMs` and
 * `skipCheckGapOneGuestMs` both set to G) and each seed, Lasso runs both jams with now-playing
 * mirroring off and on; prints gap → calls per mirrored scrobble, p95 delay and what made the
 * slow copies, then for each jam the widest gap that meets its goals on every seed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECOND_MS } from '../lib/clock.js';
import type { EngineFactory } from '../sim/lasso-policy.js';
import { runJam, type RunFigures, type ScenarioName } from './engine-run.js';
import { TAIL_S } from './engine-tail.js';
import { mark, table } from './stats.js';

/** One gap, jam and seed. */
export interface FrontierPoint {
  gap_s: number;
  scenario: ScenarioName;
  seed: number;
  calls_per_mirrored: number | null;
  calls_per_mirrored_now_playing: number | null;
  delay_p95_s: number | null;
  delay_tail: RunFigures['delay_tail'];
  /** Duplicates + missing + outside-window copies of both runs: must be 0. */
  wrong: number;
}

/** The goals a point is judged by (the bench's, passed in so there is one copy). */
export interface FrontierGoals {
  perMirrored: Record<ScenarioName, number>;
  perMirroredNowPlaying: Record<ScenarioName, number>;
  p95: number;
}

/** Options of `runFrontier`. */
export interface FrontierOptions {
  gapsS: number[];
  seeds: number[];
  scenarios: ScenarioName[];
  minutes: number;
  goals: FrontierGoals;
  createEngine: EngineFactory;
  log: (line: string) => void;
}

/** Runs every point, writes bench/out/engine-frontier.json, returns the points. */
export async function runFrontier(opts: FrontierOptions): Promise<FrontierPoint[]> {
  const points: FrontierPoint[] = [];
  for (const gap of opts.gapsS) {
    const config = { skipCheckGapMs: gap * SECOND_MS, skipCheckGapOneGuestMs: gap * SECOND_MS };
    for (const seed of opts.seeds) {
      for (const scenario of opts.scenarios) {
        opts.log(`gap ${gap} s, seed ${seed}, ${scenario} …`);
        const run = (policy: 'lasso' | 'lasso-np'): Promise<RunFigures> =>
          runJam({
            scenario,
            policy,
            seed,
            minutes: opts.minutes,
            config,
            createEngine: opts.createEngine,
          });
        const off = await run('lasso');
        const on = await run('lasso-np');
        const wrong = (f: RunFigures): number => f.duplicates + f.missing + f.outside_window;
        const point: FrontierPoint = {
          gap_s: gap,
          scenario,
          seed,
          calls_per_mirrored: off.calls_per_mirrored,
          calls_per_mirrored_now_playing: on.calls_per_mirrored,
          delay_p95_s: off.delay_p95_s,
          delay_tail: off.delay_tail,
          wrong: wrong(off) + wrong(on),
        };
        points.push(point);
        opts.log(`  ${JSON.stringify(point)}`);
      }
    }
  }
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'engine-frontier.json'), `${JSON.stringify(points, null, 2)}\n`);
  return points;
}

/** Whether a point meets every goal of its jam. */
export function meetsGoals(p: FrontierPoint, goals: FrontierGoals): boolean {
  const le = (v: number | null, max: number): boolean => v !== null && v <= max;
  return (
    p.wrong === 0 &&
    le(p.calls_per_mirrored, goals.perMirrored[p.scenario]) &&
    le(p.calls_per_mirrored_now_playing, goals.perMirroredNowPlaying[p.scenario]) &&
    le(p.delay_p95_s, goals.p95)
  );
}

/** The table of every point, then per jam the widest gap meeting its goals on every seed. */
export function printFrontier(
  points: readonly FrontierPoint[],
  goals: FrontierGoals,
  minutes: number,
): void {
  const cell = (v: number | null): string => (v === null ? '–' : String(v));
  const rows: string[][] = [
    [
      'jam',
      'gap s',
      'seed',
      'calls/mirrored',
      '… with NP',
      'p95 s',
      `> ${TAIL_S} s: late skip / after skip / other`,
      'dup+missing+outside',
      'goals',
    ],
  ];
  const sorted = [...points].sort(
    (a, b) => a.scenario.localeCompare(b.scenario) || a.gap_s - b.gap_s || a.seed - b.seed,
  );
  for (const p of sorted) {
    const t = p.delay_tail;
    rows.push([
      p.scenario,
      String(p.gap_s),
      String(p.seed),
      cell(p.calls_per_mirrored),
      cell(p.calls_per_mirrored_now_playing),
      cell(p.delay_p95_s),
      `${t.late_skip} / ${t.after_skip} / ${t.other}`,
      String(p.wrong),
      mark(meetsGoals(p, goals)),
    ]);
  }
  console.log(`\nEngine bench frontier — ${minutes} simulated minutes per jam\n`);
  console.log(table(rows));
  console.log(
    `\nGoals: calls ≤ ${goals.perMirrored.five} / ${goals.perMirrored.one} (five / one), ` +
      `with now-playing ≤ ${goals.perMirroredNowPlaying.five} / ${goals.perMirroredNowPlaying.one}, ` +
      `p95 ≤ ${goals.p95} s, nothing wrong.`,
  );
  for (const scenario of new Set(points.map((p) => p.scenario))) {
    const gaps = [...new Set(points.map((p) => p.gap_s))].sort((a, b) => b - a);
    const ok = gaps.find((g) =>
      points
        .filter((p) => p.scenario === scenario && p.gap_s === g)
        .every((p) => meetsGoals(p, goals)),
    );
    console.log(
      ok === undefined
        ? `  ${mark(false)} ${scenario}: no gap tried meets every goal on every seed`
        : `  ${mark(true)} ${scenario}: the widest gap meeting every goal on every seed is ${ok} s`,
    );
  }
}
