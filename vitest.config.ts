import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

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
          exclude: ['node_modules/**', 'dist/**', 'data/**', 'web/**', 'e2e/**'],
          setupFiles: ['./test/setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
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
