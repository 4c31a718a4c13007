/** Small checks for control-API JSON bodies; each failure is a 400 `ControlError` with a message. */
import { ControlError } from './errors.js';

/** A 400 error with `message`. */
export function bad(message: string): ControlError {
  return new ControlError(400, message);
}

/** `input` as a plain object, or 400. */
export function asObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw bad(`${what} must be a JSON object`);
  }
  return input as Record<string, unknown>;
}

/** A required non-empty string field. */
export function reqString(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw bad(`${key} must be a non-empty string`);
  return v;
}

/** An optional string field. */
export function optString(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${key} must be a string`);
  return v;
}

/** An optional boolean field. */
export function optBool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(`${key} must be a boolean`);
  return v;
}

/** A required whole number field, at least `min`. */
export function reqInt(o: Record<string, unknown>, key: string, min: number): number {
  const v = o[key];
  if (v === undefined || v === null) throw bad(`${key} is required`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw bad(`${key} must be a whole number >= ${min}`);
  }
  return v;
}

/** An optional whole number field, at least `min`. */
export function optInt(o: Record<string, unknown>, key: string, min: number): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : reqInt(o, key, min);
}

/** A required number field in [min, max]. */
export function reqNum(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = o[key];
  if (v === undefined || v === null) throw bad(`${key} is required`);
  if (typeof v !== 'number' || !(v >= min && v <= max)) {
    throw bad(`${key} must be a number in ${min}..${max}`);
  }
  return v;
}

/** An optional number field in [min, max]. */
export function optNum(
  o: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : reqNum(o, key, min, max);
}
