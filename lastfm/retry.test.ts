import { describe, expect, it } from 'vitest';
import { seededRandom } from '../lib/random.js';
import { LastfmError } from './errors.js';
import { DEFAULT_BACKOFF, readRetryDelayMs, retryDelayMs } from './retry.js';

const transient = new LastfmError('retryable', 16, 'temporary', 503, 'user.getInfo');
const rateLimited = new LastfmError('retryable', 29, 'rate limit', 429, 'user.getInfo');

describe('retryDelayMs', () => {
  it('grows exponentially with jitter inside [ceiling/2, ceiling]', () => {
    const random = seededRandom(7);
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt);
      const d = retryDelayMs(transient, attempt, random)!;
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });

  it('waits longer after a rate-limit answer than after another transient failure', () => {
    const random = seededRandom(1);
    for (let attempt = 0; attempt < 4; attempt++) {
      const plainMax = DEFAULT_BACKOFF.baseMs * 2 ** attempt;
      expect(retryDelayMs(rateLimited, attempt, random)!).toBeGreaterThan(plainMax);
    }
  });

  it('does not retry fatal, revoked, private, not-found or foreign errors', () => {
    const random = seededRandom(1);
    for (const kind of ['fatal', 'auth_revoked', 'private', 'user_not_found'] as const) {
      expect(retryDelayMs(new LastfmError(kind, 6, 'x'), 0, random)).toBeNull();
    }
    expect(retryDelayMs(new Error('x'), 0, random)).toBeNull();
  });

  it('stops once the retry budget is spent', () => {
    const random = seededRandom(1);
    expect(readRetryDelayMs(transient, 2, 3, random)).not.toBeNull();
    expect(readRetryDelayMs(transient, 3, 3, random)).toBeNull();
  });
});
