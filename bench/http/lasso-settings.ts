/** What the parent and the Lasso child of `bench:http` agree on. */
import { MINUTE_MS } from '../../lib/clock.js';
import type { RateLimits } from '../../server/security.js';

/** High enough that a benchmark never meets them; the limiter's work per request stays. */
export const BENCH_RATE_LIMITS: RateLimits = {
  perIp: { max: 1_000_000_000, windowMs: MINUTE_MS },
  perSession: { max: 1_000_000_000, windowMs: MINUTE_MS },
};

/** The variable carrying Lasso's configuration variables (JSON) to the child. */
export const LASSO_ENV_VAR = 'LASSO_BENCH_ENV';
