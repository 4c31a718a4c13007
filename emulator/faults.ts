/**
 * Injected faults for `/2.0/` calls (`docs/emulator.md` → Faults): with probability `rate` a call
 * is answered with a Last.fm error, an HTTP 5xx, held until the client gives up ("timeout"), or its
 * connection is destroyed ("drop"; a write is applied first, so the answer is what gets lost).
 * Drawn from an injected random, so a seed repeats a run.
 */
import type { Random } from '../lib/random.js';
import { seededRandom } from '../lib/random.js';
import { ControlError } from './errors.js';
import type { FaultCode, FaultSpec } from './types.js';

const CODES: readonly FaultCode[] = [8, 11, 16, 29, 500, 502, 503, 'timeout', 'drop'];

/** Validates a fault spec from JSON; throws a 400 `ControlError`. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null)
    throw new ControlError(400, 'faults must be an object');
  const o = input as Record<string, unknown>;
  if (typeof o.rate !== 'number' || !(o.rate >= 0 && o.rate <= 1)) {
    throw new ControlError(400, 'rate must be a number in 0..1');
  }
  if (!Array.isArray(o.codes) || o.codes.length === 0) {
    throw new ControlError(400, 'codes must be a non-empty array');
  }
  for (const c of o.codes) {
    if (!CODES.includes(c as FaultCode)) {
      throw new ControlError(
        400,
        `unknown fault code ${JSON.stringify(c)}; use ${CODES.join(', ')}`,
      );
    }
  }
  const spec: FaultSpec = { rate: o.rate, codes: o.codes as FaultCode[] };
  if (o.methods !== undefined) {
    if (!Array.isArray(o.methods) || !o.methods.every((m) => typeof m === 'string')) {
      throw new ControlError(400, 'methods must be an array of method names');
    }
    spec.methods = o.methods;
  }
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) {
      throw new ControlError(400, 'seed must be an integer');
    }
    spec.seed = o.seed;
  }
  return spec;
}

/** Holds the current fault spec and draws from it. */
export class FaultInjector {
  private spec: FaultSpec | null = null;
  private methods: Set<string> | null = null;

  constructor(private random: Random) {}

  set(spec: FaultSpec): void {
    this.spec = { ...spec, codes: [...spec.codes] };
    this.methods = spec.methods ? new Set(spec.methods.map((m) => m.toLowerCase())) : null;
    if (spec.seed !== undefined) this.random = seededRandom(spec.seed);
  }

  clear(): void {
    this.spec = null;
    this.methods = null;
  }

  current(): FaultSpec | null {
    return this.spec;
  }

  /** The fault for a call to `method`, or null. Uses randomness only when a fault could apply. */
  draw(method: string): FaultCode | null {
    const spec = this.spec;
    if (!spec || spec.rate <= 0) return null;
    if (this.methods && !this.methods.has(method.toLowerCase())) return null;
    if (this.random.next() >= spec.rate) return null;
    const i = Math.min(spec.codes.length - 1, Math.floor(this.random.next() * spec.codes.length));
    return spec.codes[i] ?? null;
  }
}
