import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

/**
 * Tests in tiers, one Vitest project each (README → "Tests"): `unit` (pure, seconds; with
 * `unit-isolated`, the few that need a module graph of their own), `db` (the store, the engine
 * and the server on PGlite and, with TEST_DATABASE_URL, PostgreSQL), `model` (the model-based
 * engine test, minutes), `web` (components), `soak` (real processes, minutes). `npm test` runs
 * them all; `npm run test:unit` runs `unit`, `unit-isolated` and `web`; `test:db`, `test:model`
 * one each.
 */

/** The soak suites' short runs (soak/README.md); the soak's own unit tests stay in `unit`. */
const SOAK_RUNS = 'soak/soak.test.ts';
/** The model-based engine test: half of the suite's time. */
const MODEL = 'test/model/**/*.test.ts';
/**
 * Tests that open a database: `*.db.test.ts` by name, and those named after what they drive on
 * one: the running server (in-process, or `main.ts` as a process) and PGlite's start-up snapshot.
 */
const DB = [
  '**/*.db.test.ts',
  'test/system/**/*.test.ts',
  'server/main.test.ts',
  'server/runtime.test.ts',
  'store/pglite-snapshot.test.ts',
];
/**
 * Unit tests that replace a module with `vi.mock`: in the shared graph of `unit` the replacement
 * would stay in place for every later file in the worker, so they run isolated, in
 * `unit-isolated`. The emulator's internal-error test makes `api/shapes.js` throw.
 */
const OWN_GRAPH = ['emulator/internal-error.test.ts'];
/** What no Node project collects. */
const NEVER = ['node_modules/**', 'dist/**', 'data/**', 'web/**', 'e2e/**'];

/** Settings every Node project shares. */
const node = {
  setupFiles: ['./test/setup.ts'],
  // A PGlite start (initdb, a worker) takes seconds on a quiet machine and ~30 s was seen with
  // both cores busy: room for that, while a hung test still fails within a minute.
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    // CI (.ci/run) also wants the counts as JSON, for its closing line.
    reporters: process.env.VITEST_JSON_FILE ? ['default', 'json'] : ['default'],
    ...(process.env.VITEST_JSON_FILE ? { outputFile: { json: process.env.VITEST_JSON_FILE } } : {}),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        // Server, engine, store, emulator, contract, benchmarks' own tests with no database: Node.
        test: {
          ...node,
          name: 'unit',
          // Worker threads start much faster than ~90 forked processes, and no unit test needs a
          // process of its own (none changes the working folder, signals or exits).
          pool: 'threads',
          // One module graph per worker, not one per file: re-importing Fastify, zod, Kysely and
          // the rest for each of ~95 files was most of the run's time. `npm run test:unit` took
          // 21, 50, 37 s against 79, 157, 146 s isolated (runs alternated, 2 cores shared at load
          // average 3–7). Files sharing a worker must put back what they change (timers, mocks,
          // globals, env, servers they start); one that replaces a module goes in OWN_GRAPH.
          isolate: false,
          // A safety net for that: spies, stubbed globals and env put back after each test (none
          // of today's files needs it; test/setup.ts also puts the real timers back per file).
          restoreMocks: true,
          unstubGlobals: true,
          unstubEnvs: true,
          include: ['**/*.test.ts'],
          exclude: [...NEVER, SOAK_RUNS, MODEL, ...DB, ...OWN_GRAPH],
        },
      },
      {
        // The few unit tests that need a module graph of their own (OWN_GRAPH says why).
        test: {
          ...node,
          name: 'unit-isolated',
          pool: 'threads',
          include: OWN_GRAPH,
          exclude: NEVER,
        },
      },
      {
        // The store, the engine and the server against a database (store/test-support/databases.ts).
        test: { ...node, name: 'db', include: DB, exclude: NEVER },
      },
      {
        test: { ...node, name: 'model', include: [MODEL], exclude: NEVER },
      },
      {
        // The soak suites' short runs: the built server in child processes on the real clock,
        // minutes each. After the other projects (groupOrder), so they do not share the CPU.
        test: {
          ...node,
          name: 'soak',
          include: [SOAK_RUNS],
          testTimeout: 15 * 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The web app's components, in happy-dom, with React's API on Preact as in the build.
        plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
        test: {
          name: 'web',
          include: ['web/src/**/*.test.tsx', 'web/src/**/*.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['./web/src/test/setup.ts'],
          testTimeout: 15_000,
          // One happy-dom window and module graph per worker, not per file: setting up the
          // environment for each file was most of the run's time. web/src/test/setup.ts resets
          // what a test may change (DOM, globals, mocks, timers, storage, online state).
          isolate: false,
          // Bundled like the build, so their `react` imports reach preact/compat too.
          server: { deps: { inline: [/@tanstack\//] } },
        },
      },
    ],
  },
});
