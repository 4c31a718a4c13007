/** Randomness passed in, so tests and simulations can be repeated from a seed. */
import { randomBytes as nodeRandomBytes } from 'node:crypto';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

/** Cryptographic randomness for ids and secrets; never seeded. */
export function secureRandomBytes(n: number): Buffer {
  return nodeRandomBytes(n);
}

/** `Math.random`, for jitter in production. */
export const systemRandom: Random = { next: () => Math.random() };

/** A small deterministic generator (mulberry32) for tests and simulations. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Exponential back-off with full jitter: a delay in [base·2^attempt/2, base·2^attempt], capped. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: Random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random.next() * ceiling) / 2);
}
