import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

/** The soak suites' short runs (soak/README.md); the soak's own unit tests stay in `node`. */
const SOAK_RUNS = 'soak/soak.test.ts';

export default defineConfig({
  test: {
    // CI (.ci/run) also wants the counts as JSON, for its closing line.
    reporters: process.env.VITEST_JSON_FILE ? ['default', 'json'] : ['default'],
    ...(process.env.VITEST_JSON_FILE ? { outputFile: { json: process.env.VITEST_JSON_FILE } } : {}),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        // Server, engine, store, emulator, contract, benchmarks' own tests: Node.
        test: {
          name: 'node',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**', 'data/**', 'web/**', 'e2e/**', SOAK_RUNS],
          setupFiles: ['./test/setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        // The soak suites' short runs: the built server in child processes on the real clock,
        // minutes each. After the other projects (groupOrder), so they do not share the CPU.
        test: {
          name: 'soak',
          include: [SOAK_RUNS],
          setupFiles: ['./test/setup.ts'],
          testTimeout: 15 * 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
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
          // Bundled like the build, so their `react` imports reach preact/compat too.
          server: { deps: { inline: [/@tanstack\//] } },
        },
      },
    ],
  },
});
