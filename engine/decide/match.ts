/**
 * How the engine decides two tracks are "the same" when Last.fm may have touched the names.
 * Used where names come back from a guest's profile (reconcile, own-scrobble guard) and for
 * now-playing change detection; the outbox key itself stays exact.
 */
import type { TimedTrack } from '../types.js';

/**
 * Folds a name for loose comparison: compatibility-normalized, accents dropped from Latin letters
 * only (Last.fm corrects "Beyonce" to "Beyoncé"; Japanese voicing marks change the word, so they
 * stay), lower-cased, whitespace collapsed.
 */
export function foldName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1')
    .normalize('NFC')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

/** Same artist and same track, after folding. */
export function sameTrack(
  a: { artist: string; track: string },
  b: { artist: string; track: string },
): boolean {
  return foldName(a.artist) === foldName(b.artist) && foldName(a.track) === foldName(b.track);
}

/**
 * Probably the same scrobble on a profile: the exact same second, and artist *or* track equal
 * after folding. One name may differ because Last.fm auto-corrects names it accepts; an exact
 * start second shared with a different song by the same artist does not happen in practice.
 */
export function likelySameScrobble(a: TimedTrack, b: TimedTrack): boolean {
  if (a.timestamp !== b.timestamp) return false;
  return foldName(a.artist) === foldName(b.artist) || foldName(a.track) === foldName(b.track);
}

/**
 * Pairs each item with at most one candidate, exact matches (`sameTrack` at the same second)
 * first, then `likelySameScrobble`. Returns the indexes of matched items.
 */
export function matchOneToOne(
  items: readonly TimedTrack[],
  candidates: readonly TimedTrack[],
): Set<number> {
  const free = candidates.map(() => true);
  const matched = new Set<number>();
  const pass = (fits: (a: TimedTrack, b: TimedTrack) => boolean): void => {
    items.forEach((item, i) => {
      if (matched.has(i)) return;
      const j = candidates.findIndex((c, k) => free[k] === true && fits(item, c));
      if (j < 0) return;
      free[j] = false;
      matched.add(i);
    });
  };
  pass((a, b) => a.timestamp === b.timestamp && sameTrack(a, b));
  pass(likelySameScrobble);
  return matched;
}
