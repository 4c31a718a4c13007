/**
 * The process-local rate limiter: a token bucket (kept as GCRA, one "theoretical arrival time")
 * that serves waiters first come first served and waits through the injected Clock, so a
 * simulation with a ManualClock paces calls without real time passing.
 */
import { SECOND_MS, type Clock } from '../lib/clock.js';
import type { RateLimiter } from './types.js';

/** Options of `createLocalRateLimiter`. */
export interface LocalRateLimiterOptions {
  /** Sustained rate; Last.fm's published target is 5. */
  requestsPerSecond: number;
  /** Requests that may go out back to back after a quiet spell. Default 1: evenly spaced. */
  burst?: number;
  clock: Clock;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** A token bucket for one process. Aborted waiters leave the queue and use no slot. */
export function createLocalRateLimiter(opts: LocalRateLimiterOptions): RateLimiter {
  if (!(opts.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be > 0');
  const burst = Math.max(1, Math.floor(opts.burst ?? 1));
  const { clock } = opts;
  const intervalMs = SECOND_MS / opts.requestsPerSecond;
  const toleranceMs = (burst - 1) * intervalMs;
  // Theoretical arrival time: when the bucket would be full again if nobody came.
  let tat = -Infinity;
  const queue: Waiter[] = [];
  let pumping = false;

  /** Ms until one more request may go; takes the slot when that is 0. */
  function tryTake(): number {
    const now = clock.now();
    const base = Math.max(tat, now);
    const wait = base - toleranceMs - now;
    if (wait > 0) return wait;
    tat = base + intervalMs;
    return 0;
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const wait = tryTake();
        if (wait > 0) {
          await clock.sleep(wait);
          continue;
        }
        const waiter = queue.shift();
        waiter?.signal?.removeEventListener('abort', waiter.onAbort);
        waiter?.resolve();
      }
    } finally {
      pumping = false;
    }
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (queue.length === 0 && tryTake() === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: () => {
            const i = queue.indexOf(waiter);
            if (i >= 0) queue.splice(i, 1);
            reject(signal?.reason as Error);
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        queue.push(waiter);
        void pump();
      });
    },
  };
}
