/**
 * Text from Last.fm made safe to store: every string the client parses goes through `cleanText`,
 * and the names of a track (artist, track, album) through `capName`. Last.fm's JSON can carry what
 * a PostgreSQL `text` (and `jsonb`) cannot hold, and any length: one such string in a poll used to
 * fail the whole poll transaction, every time, for every follower of the host.
 */

/**
 * The most UTF-8 bytes a name (artist, track, album, album artist) keeps. Real names are far
 * shorter (the longest real titles run to a few hundred characters). The figure comes from the
 * indexes the names go into, with 4-byte characters and without relying on compression:
 * - the outbox's unique key (follow_id, timestamp, artist, track): 8 (tuple header) + 8 + 8 +
 *   (4 + 800) + (4 + 800) = 1,632 bytes, under btree's 2,704-byte limit per row;
 * - the duration cache's key (lowercased artist, lowercased track): lowercasing grows UTF-8 by at
 *   most half (Ⱥ, Ⱦ, İ: 2 bytes to 3), so 8 + (4 + 1,200) + (4 + 1,200) = 2,416 bytes, still under.
 */
export const NAME_MAX_BYTES = 800;

/** Why a scrobble (or the now-playing track) read from Last.fm cannot be copied to a guest. */
export type UnmirrorableReason = 'name_too_long';

/** Marks the end of a name cut at `NAME_MAX_BYTES`, so the guest sees it was cut. */
const ELLIPSIS = '…';

/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const encoder = new TextEncoder();

/**
 * `s` without what PostgreSQL cannot store: U+0000 is dropped (it carries nothing in a name, and
 * `text` and `jsonb` refuse it); a lone UTF-16 surrogate (JSON's `"\ud800"`, which no UTF-8 can
 * encode) becomes U+FFFD, as every UTF-8 encoder on the way (the database driver, the form body
 * of a scrobble) would turn it anyway — so the name compared, stored, shown and sent is one and
 * the same, and two names differing only there stay apart.
 */
export function cleanText(s: string): string {
  return s.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/** The UTF-8 length of `s`, in bytes. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * A clean name within `NAME_MAX_BYTES`: as it is when it fits; else cut at a character boundary
 * and ended with "…", and `over` is true (such a name is not the track's real name: the caller
 * must not copy a scrobble under it).
 */
export function capName(s: string): { name: string; over: boolean } {
  const clean = cleanText(s);
  if (utf8Bytes(clean) <= NAME_MAX_BYTES) return { name: clean, over: false };
  // encodeInto writes whole characters only: `read` never ends inside a surrogate pair.
  const room = new Uint8Array(NAME_MAX_BYTES - utf8Bytes(ELLIPSIS));
  const { read } = encoder.encodeInto(clean, room);
  return { name: clean.slice(0, read) + ELLIPSIS, over: true };
}
