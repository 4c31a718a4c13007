/**
 * Last.fm's `api_sig` (docs/lastfm.md, "Signatures"): every parameter sent except `format`,
 * `callback` and `api_sig`, sorted by name in byte order, concatenated as name+value with no
 * separators, the shared secret appended, MD5 over the UTF-8 bytes, lowercase hex.
 */
import { createHash } from 'node:crypto';

/** Parameters Last.fm leaves out of the signature (JSONP `callback` and `format` are unsigned). */
const UNSIGNED = new Set(['format', 'callback', 'api_sig']);

/**
 * Compares two strings by Unicode code point, which is the order of their UTF-8 bytes. Plain
 * `<` compares UTF-16 code units and would misplace characters above U+FFFF against U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const diff = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
}

/** The exact string that is hashed: useful to compare with the test vectors of docs/lastfm.md. */
export function signatureBase(params: Readonly<Record<string, string>>, secret: string): string {
  const names = Object.keys(params)
    .filter((name) => !UNSIGNED.has(name))
    .sort(compareCodePoints);
  // Values are the raw decoded strings as sent, not URL-encoded; empty values still count.
  return names.map((name) => name + params[name]).join('') + secret;
}

/** The `api_sig` of `params` under `secret`: 32 lowercase hex characters. */
export function signParams(params: Readonly<Record<string, string>>, secret: string): string {
  return createHash('md5').update(signatureBase(params, secret), 'utf8').digest('hex');
}
