/**
 * `npm run soak:multi [-- --guests 200 --hosts 50 --minutes M --faults RATE --json]`: three
 * built Lasso processes on one PostgreSQL database (a scratch database on the server
 * `DATABASE_URL` or `TEST_DATABASE_URL` names), one killed mid-run; see soak/README.md. Exits 1
 * on any duplicate, missing or outside-window scrobble, lost session or failed check; 2 on bad
 * arguments.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cli } from './cli.js';
import { formatMulti } from './format.js';
import { CHECKOUT, ensureDist } from './procs.js';
import { runMulti } from './run-multi.js';

const USAGE = `usage: npm run soak:multi -- [--guests 200] [--hosts 50] [--minutes 6] [--faults 0]
  [--seed 1] [--json] [--keep] [--root DIR]     (needs DATABASE_URL or TEST_DATABASE_URL)`;

const { number } = cli(USAGE);

const { values } = parseArgs({
  options: {
    guests: { type: 'string', default: '200' },
    hosts: { type: 'string', default: '50' },
    minutes: { type: 'string', default: '6' },
    faults: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
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
const hosts = Math.round(number(values.hosts, 'hosts', 1, 1000));
const guests = Math.round(number(values.guests, 'guests', hosts, 10_000));
const root = path.resolve(values.root);
const log = (line: string): void => console.error(`[soak:multi] ${line}`);
try {
  ensureDist(root, log);
  const report = await runMulti({
    guests,
    hosts,
    minutes: number(values.minutes, 'minutes', 0.5, 24 * 60),
    faults: number(values.faults, 'faults', 0, 1),
    seed: Math.round(number(values.seed, 'seed', 0, 2 ** 31)),
    root,
    keep: values.keep,
    log,
  });
  console.log(values.json ? JSON.stringify(report) : formatMulti(report));
  process.exit(report.passed ? 0 : 1);
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
}
