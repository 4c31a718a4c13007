/** Helpers for server tests: a config, captured logs and an app built with fakes. */
import { ManualClock } from '../../lib/clock.js';
import { buildApp } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { AppDeps, BuildDeps, Readiness, RouteModule, ZodApp } from '../deps.js';
import { createLogger, memoryDestination } from '../logger.js';
import { createMetrics } from '../metrics.js';

/** A fixed session secret for tests (never use it anywhere else). */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789-abcdefghijklmnop';

/** The public origin of test apps. */
export const TEST_ORIGIN = 'http://lasso.test';

/** A test configuration; `env` overrides variables (e.g. `{ ENVIRONMENT: 'production', … }`). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    ENVIRONMENT: 'test',
    PUBLIC_URL: TEST_ORIGIN,
    SESSION_SECRET: TEST_SESSION_SECRET,
    LOG_LEVEL: 'debug',
    ...env,
  });
}

/** The deps a test app gets unless the test gives them. */
type Defaults = 'config' | 'logger' | 'metrics' | 'clock' | 'readiness';

/**
 * What a test app is built from: `D` without the defaults, which may be overridden. `D` is what
 * the routes need (`ApiDeps` for `apiRoutes`), so a test that forgets one does not compile.
 */
export type TestDeps<D extends AppDeps = AppDeps> = Omit<D, Defaults> &
  Partial<Pick<AppDeps, Defaults>> & { routes?: readonly RouteModule<D>[] };

/** An app built with test dependencies, and the log lines it wrote. */
export async function buildTestApp<D extends AppDeps = AppDeps>(
  overrides?: TestDeps<D>,
): Promise<{
  app: ZodApp;
  deps: BuildDeps<D>;
  logs: ReturnType<typeof memoryDestination>;
}> {
  const logs = memoryDestination();
  const config = overrides?.config ?? testConfig();
  // The defaults and `overrides` (D without the defaults) make a whole `D`.
  const deps = {
    config,
    logger: createLogger(config, logs),
    metrics: createMetrics(),
    clock: new ManualClock(),
    readiness: async (): Promise<Readiness> => ({ ready: true }),
    ...overrides,
  } as BuildDeps<D>;
  return { app: await buildApp(deps), deps, logs };
}

/** Headers of a same-origin JSON request from the app's own pages. */
export function sameOrigin(extra: Record<string, string> = {}): Record<string, string> {
  return { origin: TEST_ORIGIN, 'content-type': 'application/json', ...extra };
}
