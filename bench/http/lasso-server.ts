/**
 * Child process of `bench:http`: Lasso as `main.ts` starts it (store, engine, HTTP app), from the
 * configuration variables in `LASSO_BENCH_ENV` (JSON) rather than this process's environment, so
 * a `DATABASE_URL` in the shell cannot move the bench off its scratch database. The API rate
 * limits are raised to `BENCH_RATE_LIMITS`: the limiter still runs on every request but never
 * refuses.
 */
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startLasso } from '../../server/runtime.js';
import { serveInChild } from './child.js';
import { BENCH_RATE_LIMITS, LASSO_ENV_VAR } from './lasso-settings.js';

await serveInChild(async () => {
  const env = JSON.parse(process.env[LASSO_ENV_VAR] ?? '{}') as Record<string, string>;
  const config = loadConfig(env);
  const lasso = await startLasso(config, {
    logger: createLogger(config),
    rateLimits: BENCH_RATE_LIMITS,
  });
  return { url: lasso.url, close: () => lasso.close() };
});
