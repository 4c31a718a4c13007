/** JSON pieces shared by several methods, in the exact wire types of docs/lastfm.md, "Wire types". */
import { artImages } from '../art.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMAGE_SIZES = ['small', 'medium', 'large', 'extralarge'] as const;
const IMAGE_DIRS = ['34s', '64s', '174s', '300x300'] as const;
/** Last.fm's placeholder picture for things without art (docs/lastfm.md, "Pictures"). */
const PLACEHOLDER = '2a96cbd8b46e442fc41c2b86b821562f.png';

/** `date["#text"]`: "D Mon YYYY, HH:MM" in UTC, day not zero-padded (docs/lastfm.md, "Wire types"). */
export function dateText(uts: number): string {
  const d = new Date(uts * 1000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm}`;
}

/** A lone UTF-16 surrogate: a high one not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A name as Last.fm puts it in a URL path: percent-encoded UTF-8 with `+` for spaces. A lone
 * surrogate (possible in a name stored through the control API's JSON, never in UTF-8 from the
 * wire) has no UTF-8 form: it becomes U+FFFD, as any UTF-8 encoder makes it, where
 * `encodeURIComponent` would throw.
 */
export function urlPart(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD')).replaceAll('%20', '+');
}

export function artistUrl(artist: string): string {
  return `https://www.last.fm/music/${urlPart(artist)}`;
}

export function trackUrl(artist: string, track: string): string {
  return `${artistUrl(artist)}/_/${urlPart(track)}`;
}

/** The four image sizes: Last.fm's placeholder (as for artists), or empty texts (no art). */
export function images(withPlaceholder: boolean): { size: string; '#text': string }[] {
  return IMAGE_SIZES.map((size, i) => ({
    size,
    '#text': withPlaceholder
      ? `https://lastfm.freetls.fastly.net/i/u/${IMAGE_DIRS[i]}/${PLACEHOLDER}`
      : '',
  }));
}

/** A row of user.getRecentTracks. */
export interface TrackRowInput {
  artist: string;
  track: string;
  album: string;
  /** null for the now-playing row, which never carries a date. */
  timestamp: number | null;
}

/**
 * One `recenttracks.track` entry, plain or `extended=1` (docs/lastfm.md, "user.getRecentTracks").
 * Its album art is the emulator's generated picture of artist and album, served under `artBase`
 * (`art.ts`).
 */
export function recentTrackRow(
  row: TrackRowInput,
  extended: boolean,
  artBase: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    artist: extended
      ? { url: artistUrl(row.artist), mbid: '', image: images(true), name: row.artist }
      : { mbid: '', '#text': row.artist },
  };
  if (extended) out.loved = '0';
  out.streamable = '0';
  out.image = artImages(artBase, { kind: 'album', artist: row.artist, album: row.album });
  out.mbid = '';
  out.album = { mbid: '', '#text': row.album };
  out.name = row.track;
  if (row.timestamp === null) out['@attr'] = { nowplaying: 'true' };
  out.url = trackUrl(row.artist, row.track);
  if (row.timestamp !== null)
    out.date = { uts: String(row.timestamp), '#text': dateText(row.timestamp) };
  return out;
}

/**
 * `{"corrected":"0","#text":…}`; without `#text` when absent, as an unsent album (docs/lastfm.md,
 * "Wire types").
 */
export function corrected(text: string | undefined): Record<string, string> {
  return text === undefined || text === '' ? { corrected: '0' } : { corrected: '0', '#text': text };
}
