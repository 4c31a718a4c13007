/**
 * Zod schemas of Last.fm's JSON wire shapes (docs/lastfm.md, one section per method), each
 * transformed into the typed values of `types.ts`. They are lenient where Last.fm is inconsistent
 * (a string or a number, an object or a list, a missing key) and strict where a wrong value would
 * mislead the engine.
 */
import { z } from 'zod';
import { capName, cleanText } from './text.js';
import type { NowPlaying, Scrobble, SessionInfo, TrackInfo, UserInfo } from './types.js';

/** A string made safe to store (`cleanText`): no U+0000, no lone surrogate. */
const text = z.string().transform(cleanText);

/** A whole number sent as a JSON number or as a string of digits ("1700000000"). */
export const wireInt = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((v) => Number(v));

/** A 0/1 flag sent as a number or a string. */
const wireFlag = wireInt.transform((n) => n !== 0);

/** `{"#text": "..."}`; Last.fm leaves `#text` out for an album it was not sent. */
const textNode = z.object({ '#text': text.optional() }).transform((v) => v['#text'] ?? '');

const image = z.object({ size: z.string().optional(), '#text': text.optional() });

/** The last non-empty URL of an image list: Last.fm lists sizes from small to extralarge. */
const imageList = z
  .array(image)
  .optional()
  .transform((images) => {
    const urls = (images ?? []).map((i) => i['#text'] ?? '').filter((u) => u !== '');
    return urls.at(-1) ?? null;
  });

/** Plain rows carry the artist as `{"#text"}`, `extended=1` rows as `{"name"}`. */
const recentArtist = z
  .object({ '#text': text.optional(), name: text.optional() })
  .transform((a) => a.name ?? a['#text'] ?? '');

const recentTrackRow = z.object({
  name: text,
  artist: recentArtist,
  album: textNode.optional(),
  mbid: text.optional(),
  image: imageList,
  '@attr': z.object({ nowplaying: z.union([z.string(), z.boolean()]).optional() }).optional(),
  date: z.object({ uts: wireInt }).optional(),
});
type RecentTrackRow = z.output<typeof recentTrackRow>;

/** One page of `user.getRecentTracks`, with the now-playing row apart from the scrobbles. */
export interface RecentTracksPage {
  scrobbles: Scrobble[];
  nowPlaying: NowPlaying | null;
  page: number;
  perPage: number;
  totalPages: number;
  total: number;
}

/**
 * A row's names within `NAME_MAX_BYTES`. A row with a longer one keeps the cut names (so it can
 * still be told apart, shown and dated) and says it cannot be copied: under a cut name it would
 * reach the guest's profile as another track.
 */
function track(row: RecentTrackRow): NowPlaying {
  const artist = capName(row.artist);
  const name = capName(row.name);
  const album = capName(row.album ?? '');
  const base: NowPlaying = {
    artist: artist.name,
    track: name.name,
    album: album.name,
    mbid: row.mbid ?? '',
    imageUrl: row.image,
  };
  if (artist.over || name.over || album.over) base.unmirrorable = 'name_too_long';
  return base;
}

function splitRows(rows: RecentTrackRow[]): Pick<RecentTracksPage, 'scrobbles' | 'nowPlaying'> {
  const scrobbles: Scrobble[] = [];
  let nowPlaying: NowPlaying | null = null;
  for (const row of rows) {
    const base = track(row);
    const flag = row['@attr']?.nowplaying;
    // The now-playing row has no date and is never a scrobble, even if a date ever came with it.
    if (flag === 'true' || flag === true) nowPlaying ??= base;
    else if (row.date) scrobbles.push({ ...base, timestamp: row.date.uts });
    // A row with neither a date nor the flag cannot be mirrored: it is dropped.
  }
  return { scrobbles, nowPlaying };
}

/** `user.getRecentTracks`: `track` is a list, a bare object (one row), or missing (no rows). */
export const recentTracksResponse = z
  .object({
    recenttracks: z.object({
      track: z.union([z.array(recentTrackRow), recentTrackRow]).optional(),
      '@attr': z.object({
        page: wireInt,
        perPage: wireInt,
        totalPages: wireInt,
        total: wireInt,
      }),
    }),
  })
  .transform(({ recenttracks: r }): RecentTracksPage => {
    const rows = r.track === undefined ? [] : Array.isArray(r.track) ? r.track : [r.track];
    return { ...splitRows(rows), ...r['@attr'] };
  });

/** `auth.getSession`: `subscriber` is a number today and was the string "0" around 2013. */
export const sessionResponse = z
  .object({ session: z.object({ name: text, key: z.string().min(1), subscriber: wireFlag }) })
  .transform(({ session }): SessionInfo => session);

/** `user.getInfo`: strings everywhere except `registered["#text"]`, a number repeating unixtime. */
export const userInfoResponse = z
  .object({
    user: z.object({
      name: text,
      realname: text.optional(),
      playcount: wireInt.optional(),
      url: text.optional(),
      image: imageList,
      subscriber: wireFlag.optional(),
      registered: z
        .object({ unixtime: wireInt.optional(), '#text': wireInt.optional() })
        .optional(),
    }),
  })
  .transform(({ user: u }): UserInfo => ({
    name: u.name,
    realname: u.realname ?? '',
    playcount: u.playcount ?? 0,
    registeredAt: u.registered?.unixtime ?? u.registered?.['#text'] ?? null,
    url: u.url ?? '',
    imageUrl: u.image,
    subscriber: u.subscriber ?? false,
  }));

/** `track.getInfo`: `duration` is milliseconds as a string; "0" means unknown. */
export const trackInfoResponse = z
  .object({
    track: z.object({
      name: text,
      artist: z.object({ name: text }),
      duration: wireInt.optional(),
    }),
  })
  .transform(({ track: t }): TrackInfo => ({
    artist: capName(t.artist.name).name,
    track: capName(t.name).name,
    durationMs: t.duration !== undefined && t.duration > 0 ? t.duration : null,
  }));

const ignoredMessage = z.object({ code: wireInt, '#text': text.optional() });

const scrobbleItem = z.object({
  artist: textNode,
  track: textNode,
  timestamp: wireInt.optional(),
  ignoredMessage,
});

/** One item of a scrobble response, before it is matched with what was sent. */
export type WireScrobbleItem = z.output<typeof scrobbleItem>;

/** `track.scrobble`: `scrobble` is an object for one item and a list for two or more. */
export const scrobbleResponse = z
  .object({
    scrobbles: z.object({
      scrobble: z.union([z.array(scrobbleItem), scrobbleItem]),
      '@attr': z.object({ accepted: wireInt, ignored: wireInt }),
    }),
  })
  .transform(({ scrobbles: s }) => ({
    accepted: s['@attr'].accepted,
    ignored: s['@attr'].ignored,
    items: Array.isArray(s.scrobble) ? s.scrobble : [s.scrobble],
  }));

/** `track.updateNowPlaying`: accepted when `ignoredMessage.code` is 0. */
export const nowPlayingResponse = z
  .object({ nowplaying: z.object({ ignoredMessage }) })
  .transform(({ nowplaying: n }) => ({
    accepted: n.ignoredMessage.code === 0,
    ignoredCode: n.ignoredMessage.code,
  }));

/** An error body, whatever the HTTP status: `{"error": N, "message": "..."}`, maybe `"links": []`. */
export const errorBody = z.object({
  error: wireInt,
  message: text.optional(),
  links: z.unknown().optional(),
});

/** Describes a failed parse by paths and issue codes only, so no value (a session key) leaks. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`)
    .join('; ');
}
