/**
 * Browser tests: Debian's Chromium (never a downloaded browser) against the built server
 * (`npm run build`) and the stand-alone Last.fm emulator, both started here on loopback. Every
 * spec runs at phone size (390×844, touch) and desktop size. `npm test` runs them after Vitest
 * and skips them loudly when Chromium is missing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E } from './e2e/settings.js';

const dataDir = mkdtempSync(join(tmpdir(), 'lasso-e2e-'));

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
  use: {
    baseURL: E2E.appUrl,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: E2E.chromium,
      // Root in CI; the closed network refuses Chromium's own background connections.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    {
      name: 'phone',
      use: {
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        userAgent:
          'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
      },
    },
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 } } },
  ],
  webServer: [
    {
      command: `node dist/emulator/main.js --port ${E2E.emulatorPort} --api-key ${E2E.apiKey} --api-secret ${E2E.apiSecret} --no-rate-limit`,
      url: `${E2E.emulatorUrl}/_emulator/health`,
      reuseExistingServer: process.env.E2E_REUSE === '1',
      timeout: 60_000,
    },
    {
      command: 'node dist/server/main.js',
      url: `${E2E.appUrl}/readyz`,
      reuseExistingServer: process.env.E2E_REUSE === '1',
      timeout: 120_000,
      stdout: 'pipe',
      env: {
        ENVIRONMENT: 'development',
        PORT: String(E2E.appPort),
        HOST: '127.0.0.1',
        PUBLIC_URL: E2E.appUrl,
        LASTFM_API_KEY: E2E.apiKey,
        LASTFM_API_SECRET: E2E.apiSecret,
        LASTFM_API_URL: `${E2E.emulatorUrl}/2.0/`,
        LASTFM_AUTH_URL: `${E2E.emulatorUrl}/api/auth/`,
        LASTFM_REQUESTS_PER_SECOND: '50',
        POLLING_INTERVAL_MS: '1000',
        SESSION_SECRET: 'e2e-session-secret-of-at-least-32-characters',
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      },
    },
  ],
});
