/** What the parent and the Lasso child of `bench:http` agree on. */
import type { RateLimits } from '../../server/security.js';

/** A bucket a benchmark never empties. */
const NEVER_EMPTY = { perSecond: 1_000_000_000, burst: 1_000_000_000 };

/** High enough that a benchmark never meets them; the limiter's work per request stays. */
export const BENCH_RATE_LIMITS: RateLimits = {
  perIp: NEVER_EMPTY,
  perSession: NEVER_EMPTY,
  signIn: NEVER_EMPTY,
};

/** The variable carrying Lasso's configuration variables (JSON) to the child. */
export const LASSO_ENV_VAR = 'LASSO_BENCH_ENV';
