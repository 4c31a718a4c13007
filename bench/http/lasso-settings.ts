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

/**
 * The variable naming the built tree (`dist/`) the child runs Lasso from: tsc's output of the
 * same modules the bundle holds, loaded as production loads them (no tsx transform, whose
 * `keepNames` wraps every function Lasso's files create). Unset: the TypeScript source via tsx.
 */
export const LASSO_BUILT_VAR = 'LASSO_BENCH_BUILT';
