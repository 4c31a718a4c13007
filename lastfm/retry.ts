/**
 * Back-off decisions for Last.fm failures, shared by the client (reads) and the engine (writes,
 * which the client never retries itself).
 */
import { SECOND_MS, MINUTE_MS } from '../lib/clock.js';
import { backoffMs, type Random } from '../lib/random.js';
import { LastfmError } from './errors.js';

/** How long to wait between attempts. Rate limiting (error 29, HTTP 429) waits longer. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  rateLimitedBaseMs: number;
  rateLimitedCapMs: number;
}

/** 0.5 s doubling to 30 s; after a rate-limit answer 5 s doubling to 2 min. */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: SECOND_MS / 2,
  capMs: 30 * SECOND_MS,
  rateLimitedBaseMs: 5 * SECOND_MS,
  rateLimitedCapMs: 2 * MINUTE_MS,
};

/**
 * The jittered delay before retry number `attempt` (0 = the first retry) after `error`, or null
 * when the error is not worth retrying (anything but a `retryable` LastfmError).
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  random: Random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number | null {
  if (!(error instanceof LastfmError) || !error.retryable) return null;
  return error.rateLimited
    ? backoffMs(attempt, policy.rateLimitedBaseMs, policy.rateLimitedCapMs, random)
    : backoffMs(attempt, policy.baseMs, policy.capMs, random);
}

/** Like `retryDelayMs`, but null once `maxRetries` retries have been spent. */
export function readRetryDelayMs(
  error: unknown,
  attempt: number,
  maxRetries: number,
  random: Random,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number | null {
  return attempt >= maxRetries ? null : retryDelayMs(error, attempt, random, policy);
}
