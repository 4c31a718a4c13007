/**
 * `npm test`: every test a newcomer and CI run. First the build (`npm run build`: the soak runs
 * and the browser tests run what it makes), then Vitest (unit, store on PGlite and, with
 * TEST_DATABASE_URL, PostgreSQL, model, component tests, then the soak suites' short runs
 * against the built server), then the browser tests (Playwright on Debian's Chromium against the
 * built server and the emulator). Without Chromium the browser tests are skipped, loudly. Vitest
 * always runs (a failed build fails the soak runs, saying so); the browser tests need the build.
 * One tier alone: `npm run test:unit`, `test:db`, `test:model` (vitest.config.ts names them).
 * The exit code is non-zero if any step failed. Extra arguments go to Vitest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env: process.env }).status ?? 1;

const build = run('npm', ['run', '--silent', 'build']);
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
} else if (build === 0) {
  browser = run('npx', ['playwright', 'test']);
}
process.exit(build !== 0 || unit !== 0 || browser !== 0 ? 1 : 0);
