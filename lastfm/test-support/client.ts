/** A client wired for unit tests: scripted transport, ManualClock, seeded jitter, no pacing. */
import { ManualClock, flushEventLoop } from '../../lib/clock.js';
import { seededRandom } from '../../lib/random.js';
import { createLastfmClient, type LastfmClientOptions } from '../client.js';
import type { Transport } from '../transport.js';

export const API_KEY = 'b25b959554ed76058ac220b7b2e0a026';
export const API_SECRET = 'SECRET123-shared-secret';
export const SESSION_KEY = '_AijaIJbA789aA7NMXmanQLKalG8zqDY';
export const TOKEN = 'FyEklwB1ZLpvFYd1BvBO76rzRWz4ThuT';

/** Builds a test client; the rate limiter lets everything through unless one is given. */
export function testClient(transport: Transport, opts: Partial<LastfmClientOptions> = {}) {
  const clock = opts.clock instanceof ManualClock ? opts.clock : new ManualClock(0);
  const client = createLastfmClient({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    apiUrl: 'http://127.0.0.1:9/2.0/',
    authUrl: 'http://127.0.0.1:9/api/auth/',
    rateLimiter: { acquire: async () => undefined },
    random: seededRandom(42),
    ...opts,
    clock,
    transport,
  });
  return { client, clock };
}

/** Moves the ManualClock from timer to timer until `promise` settles; returns its outcome. */
export async function runToEnd<T>(
  promise: Promise<T>,
  clock: ManualClock,
): Promise<{ value?: T; error?: unknown }> {
  let done = false;
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void outcome.then(() => (done = true));
  for (let i = 0; i < 1_000 && !done; i++) {
    await flushEventLoop();
    const next = clock.nextTimerAt();
    if (next !== undefined && !done) await clock.advanceTo(next);
  }
  return outcome;
}
