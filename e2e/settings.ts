/** Where the browser tests' servers listen, shared by the Playwright config and the specs. */
export const E2E = {
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  appPort: 18_480,
  emulatorPort: 18_481,
  appUrl: 'http://localhost:18480',
  emulatorUrl: 'http://127.0.0.1:18481',
  apiKey: 'lasso-e2e-key',
  apiSecret: 'lasso-e2e-secret',
} as const;
