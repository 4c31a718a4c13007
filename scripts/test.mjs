/**
 * `npm test`: every test a newcomer and CI run. First Vitest (unit, store on PGlite and, with
 * TEST_DATABASE_URL, PostgreSQL, model, component tests), then the browser tests (Playwright on
 * Debian's Chromium against the built server and the emulator). Without Chromium the browser
 * tests are skipped, loudly. Both always run; the exit code is non-zero if either failed.
 * Extra arguments go to Vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

const unit = run('npx', ['vitest', 'run', ...process.argv.slice(2)]);

let browser = 0;
if (!existsSync(chromium) && process.env.CI) {
  console.error(`!! CI needs Chromium at ${chromium} for the browser tests (.ci/run installs it)`);
  browser = 1;
} else if (!existsSync(chromium)) {
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! SKIPPED: the browser tests (e2e/) need Chromium at ${chromium}, which is missing.\n` +
      `!! Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH. CI installs it.\n${line}\n`,
  );
} else {
  browser = run('npm', ['run', '--silent', 'build']);
  if (browser === 0) browser = run('npx', ['playwright', 'test']);
}
process.exit(unit !== 0 || browser !== 0 ? 1 : 0);
