/**
 * Child process of `bench:http`: Lasso as `main.ts` starts it (store, engine, HTTP app), from the
 * configuration variables in `LASSO_BENCH_ENV` (JSON) rather than this process's environment, so
 * a `DATABASE_URL` in the shell cannot move the bench off its scratch database. The API rate
 * limits are raised to `BENCH_RATE_LIMITS`: the limiter still runs on every request but never
 * refuses. With `LASSO_BENCH_BUILT` set to a `dist/` folder, Lasso's modules come from there
 * (what production runs); otherwise from the source, through tsx.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ConfigSource from '../../server/config.js';
import type * as LoggerSource from '../../server/logger.js';
import type * as RuntimeSource from '../../server/runtime.js';
import { serveInChild } from './child.js';
import { BENCH_RATE_LIMITS, LASSO_BUILT_VAR, LASSO_ENV_VAR } from './lasso-settings.js';

type ConfigModule = typeof ConfigSource;
type LoggerModule = typeof LoggerSource;
type RuntimeModule = typeof RuntimeSource;

/** Lasso's modules: from the built `dist` folder when given, else the source. */
async function lassoModules(
  dist: string | undefined,
): Promise<[ConfigModule, LoggerModule, RuntimeModule]> {
  if (!dist) {
    return Promise.all([
      import('../../server/config.js'),
      import('../../server/logger.js'),
      import('../../server/runtime.js'),
    ]);
  }
  const built = (file: string): string => pathToFileURL(path.join(dist, 'server', file)).href;
  return Promise.all([
    import(built('config.js')) as Promise<ConfigModule>,
    import(built('logger.js')) as Promise<LoggerModule>,
    import(built('runtime.js')) as Promise<RuntimeModule>,
  ]);
}

await serveInChild(async () => {
  const env = JSON.parse(process.env[LASSO_ENV_VAR] ?? '{}') as Record<string, string>;
  const [{ loadConfig }, { createLogger }, { startLasso }] = await lassoModules(
    process.env[LASSO_BUILT_VAR],
  );
  const config = loadConfig(env);
  const lasso = await startLasso(config, {
    logger: createLogger(config),
    rateLimits: BENCH_RATE_LIMITS,
  });
  return { url: lasso.url, close: () => lasso.close() };
});
