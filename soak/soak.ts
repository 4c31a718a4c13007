/**
 * `npm run soak [-- --kills N --faults RATE --minutes M --store pglite|postgres --json]`: the
 * built server against the stand-alone emulator, killed N times; see soak/README.md. Exits 1 on
 * any duplicate, missing or outside-window scrobble, lost session or failed check; 2 on bad
 * arguments.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cli } from './cli.js';
import { formatSingle } from './format.js';
import { CHECKOUT, ensureDist } from './procs.js';
import { runSoak } from './run-single.js';

const USAGE = `usage: npm run soak -- [--kills 20] [--faults 0.1] [--minutes 20] [--store pglite|postgres]
  [--seed 1] [--no-poison] [--json] [--keep] [--root DIR]`;

const checks = cli(USAGE);
// Annotated, so that TypeScript narrows after a call (a never-returning call must be typed so).
const fail: (message: string) => never = checks.fail;
const number = checks.number;

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    faults: { type: 'string', default: '0.1' },
    minutes: { type: 'string', default: '20' },
    store: { type: 'string', default: 'pglite' },
    seed: { type: 'string', default: '1' },
    'no-poison': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    root: { type: 'string', default: CHECKOUT },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.store !== 'pglite' && values.store !== 'postgres') fail('--store is pglite or postgres');
const root = path.resolve(values.root);
const log = (line: string): void => console.error(`[soak] ${line}`);
try {
  ensureDist(root, log);
  const report = await runSoak({
    kills: Math.round(number(values.kills, 'kills', 0, 1000)),
    faults: number(values.faults, 'faults', 0, 1),
    minutes: number(values.minutes, 'minutes', 0.5, 24 * 60),
    store: values.store,
    seed: Math.round(number(values.seed, 'seed', 0, 2 ** 31)),
    poison: !values['no-poison'],
    root,
    keep: values.keep,
    log,
  });
  console.log(values.json ? JSON.stringify(report) : formatSingle(report));
  process.exit(report.passed ? 0 : 1);
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
}
