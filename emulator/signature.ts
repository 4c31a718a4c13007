/**
 * The emulator's own check of Last.fm's `api_sig` (docs/lastfm.md, "Signatures"), written apart
 * from the client's signer on purpose: sort parameter names in byte order, leave out `format`,
 * `callback` and `api_sig`, keep empty values, concatenate name+value, append the secret, MD5 the
 * UTF-8 bytes.
 */
import { createHash } from 'node:crypto';

const UNSIGNED = new Set(['format', 'callback', 'api_sig']);

/** The lowercase hex signature of `params` under `secret`. */
export function computeSignature(params: ReadonlyMap<string, string>, secret: string): string {
  const names = [...params.keys()].filter((k) => !UNSIGNED.has(k));
  // Byte order: compare code units, not locale (artist[10] sorts before artist[1]).
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let text = '';
  for (const name of names) text += name + (params.get(name) ?? '');
  return createHash('md5')
    .update(text + secret, 'utf8')
    .digest('hex');
}

/** True when `api_sig` in `params` matches, comparing hex case-insensitively. */
export function signatureMatches(params: ReadonlyMap<string, string>, secret: string): boolean {
  const sent = params.get('api_sig');
  if (sent === undefined) return false;
  return sent.toLowerCase() === computeSignature(params, secret);
}
