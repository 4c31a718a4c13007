/**
 * The soak suites' short runs, part of `npm test` (Vitest project `soak`, after the others):
 * `npm run soak` on PGlite and on PostgreSQL with 3 kills, and a small `npm run soak:multi`,
 * each against the built server (`scripts/test.mjs` builds before Vitest runs). The three run at
 * once: they mostly wait on the real clock. PostgreSQL runs need `TEST_DATABASE_URL` (a scratch
 * database is made on its server) and are skipped, loudly, without it.
 */
import { describe, expect, it } from 'vitest';
import { postgresServerUrl } from './postgres.js';
import { CHECKOUT, distProblem } from './procs.js';
import { runMulti } from './run-multi.js';
import { runSoak } from './run-single.js';

const problem = distProblem(CHECKOUT);
// Missing fails the runs below; older than a source (edited after the build) is only worth a word.
const dist = problem?.missing ? problem.message : null;
if (problem && !problem.missing) console.warn(`soak: ${problem.message}; running it anyway`);
const postgres = postgresServerUrl() !== null;
if (!postgres) {
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! SKIPPED: soak on PostgreSQL and soak:multi need TEST_DATABASE_URL (a PostgreSQL server).\n${line}\n`,
  );
}

/** Generous: a run takes about two minutes, more on a busy machine or with long leases. */
const RUN_TIMEOUT_MS = 15 * 60_000;

/** A run's progress lines, shown only when it fails. */
function progress(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(`${new Date().toISOString()} ${line}`) };
}

const single = (store: 'pglite' | 'postgres') => async () => {
  const p = progress();
  const report = await runSoak({
    kills: 3,
    faults: 0.1,
    minutes: 1.2,
    store,
    seed: 7,
    poison: true,
    root: CHECKOUT,
    keep: false,
    log: p.log,
  });
  expect(report.failures, p.lines.join('\n')).toEqual([]);
  expect(report.kills).toHaveLength(3);
  // The first killed Lasso as a scrobble submission was on its way, the second during a poll.
  expect(report.kills.map((k) => [k.aim, k.hit])).toEqual([
    ['submission', true],
    ['poll', true],
    ['anytime', true],
  ]);
  expect(report.total.expected).toBeGreaterThan(15);
  expect(report.total.mirrored).toBe(report.total.expected);
  expect(report.sessions.lost).toEqual([]);
  expect(report.passed).toBe(true);
};

describe('the soak suites, short', () => {
  it('have a built server to run (npm run build)', () => {
    expect(dist, 'scripts/test.mjs builds before Vitest; by hand: npm run build').toBeNull();
  });

  it.skipIf(dist !== null).concurrent(
    'soak on PGlite: 3 SIGKILLs (mid-submission, mid-poll, any time) and faults, no duplicate, no loss, sessions kept',
    single('pglite'),
    RUN_TIMEOUT_MS,
  );

  it.skipIf(dist !== null || !postgres).concurrent(
    'soak on PostgreSQL: 3 SIGKILLs (mid-submission, mid-poll, any time) and faults, no duplicate, no loss, sessions kept',
    single('postgres'),
    RUN_TIMEOUT_MS,
  );

  it.skipIf(dist !== null || !postgres).concurrent(
    'soak:multi: three processes, one killed, hosts taken over, no double polling, pace held',
    async () => {
      const p = progress();
      const report = await runMulti({
        guests: 18,
        hosts: 6,
        minutes: 1.2,
        faults: 0.05,
        seed: 7,
        root: CHECKOUT,
        keep: false,
        log: p.log,
      });
      expect(report.failures, p.lines.join('\n')).toEqual([]);
      expect(report.total.mirrored).toBe(report.total.expected);
      expect(report.kill.heldLeases).toBeGreaterThan(0);
      expect(report.overlaps).toEqual([]);
      expect(report.passed).toBe(true);
    },
    RUN_TIMEOUT_MS,
  );
});
