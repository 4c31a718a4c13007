/**
 * Canned Last.fm answers (shapes from docs/lastfm.md) and a scripted transport, so the client
 * can be tested without a socket.
 */
import type { HttpRequest, HttpResponse, Transport } from '../transport.js';

/** A JSON answer. */
export function json(status: number, body: unknown): HttpResponse {
  return { status, body: JSON.stringify(body) };
}

/** A network failure as Node reports it (`code` on the error). */
export function netError(code: string, message = `connect ${code} 127.0.0.1:9`): Error {
  return Object.assign(new Error(message), { code });
}

type Answer = HttpResponse | Error | ((req: HttpRequest) => Promise<HttpResponse>);

/** A transport that answers from a script, one entry per request, and records the requests. */
export function scriptedTransport(...answers: Answer[]): {
  transport: Transport;
  requests: HttpRequest[];
} {
  const requests: HttpRequest[] = [];
  const transport: Transport = async (req) => {
    requests.push(req);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('test transport: no answer scripted');
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(req) : answer;
  };
  return { transport, requests };
}

/** A transport answer that never comes: it rejects only when the request is aborted. */
export function hang(): (req: HttpRequest) => Promise<HttpResponse> {
  return (req) =>
    new Promise((_resolve, reject) => {
      req.signal.addEventListener('abort', () => reject(new Error('aborted by signal')), {
        once: true,
      });
    });
}

/** The parameters a request carried, from its query string or its form body. */
export function paramsOf(req: HttpRequest): Record<string, string> {
  const search = req.method === 'POST' ? (req.body ?? '') : new URL(req.url).search;
  return Object.fromEntries(new URLSearchParams(search));
}

const img = (hash: string) =>
  ['34s', '64s', '174s', '300x300'].map((s, i) => ({
    size: ['small', 'medium', 'large', 'extralarge'][i],
    '#text': hash ? `https://lastfm.freetls.fastly.net/i/u/${s}/${hash}.jpg` : '',
  }));

/** A plain (`extended=0`) row; without `uts` it is the now-playing row. */
export function trackRow(name: string, artist: string, uts?: number, album = ''): object {
  return {
    artist: { mbid: '', '#text': artist },
    streamable: '0',
    image: img(uts === undefined ? '7c9c4d1009514b178c82f2201e3a1fce' : ''),
    mbid: '',
    album: { mbid: '', '#text': album },
    name,
    url: `https://www.last.fm/music/${encodeURIComponent(artist)}/_/${encodeURIComponent(name)}`,
    ...(uts === undefined
      ? { '@attr': { nowplaying: 'true' } }
      : { date: { uts: String(uts), '#text': '14 Nov 2023, 22:13' } }),
  };
}

/** A `user.getRecentTracks` body; `track` as given (list, object, or left out when undefined). */
export function recentTracksBody(
  track: unknown,
  attr: { page: number; totalPages: number; total: number; perPage?: number },
): object {
  const a = {
    user: 'maya_plays',
    page: String(attr.page),
    perPage: String(attr.perPage ?? 200),
    totalPages: String(attr.totalPages),
    total: String(attr.total),
  };
  return { recenttracks: { ...(track === undefined ? {} : { track }), '@attr': a } };
}

/** Facts §4.5: a single accepted scrobble, `scrobble` an object, album without `#text`. */
export const SCROBBLE_SINGLE = {
  scrobbles: {
    scrobble: {
      artist: { corrected: '0', '#text': 'Helium' },
      album: { corrected: '0' },
      track: { corrected: '0', '#text': 'Vibrations' },
      ignoredMessage: { code: '0', '#text': '' },
      albumArtist: { corrected: '0', '#text': '' },
      timestamp: '1712992925',
    },
    '@attr': { ignored: 0, accepted: 1 },
  },
};

/** Facts §4.5: a batch of 3, the last ignored with code "1" and empty text. */
export const SCROBBLE_BATCH = {
  scrobbles: {
    scrobble: [
      ['Björk', 'Jóga', 'Homogenic', '1700000000', '0'],
      ['Sigur Rós', 'Hoppípolla', null, '1700000300', '0'],
      ['Helium', "Leon's Space Song", null, '1690000000', '1'],
    ].map(([artist, track, album, timestamp, code]) => ({
      artist: { corrected: '0', '#text': artist },
      album: album === null ? { corrected: '0' } : { corrected: '0', '#text': album },
      track: { corrected: '0', '#text': track },
      ignoredMessage: { code, '#text': '' },
      albumArtist: { corrected: '0', '#text': '' },
      timestamp,
    })),
    '@attr': { ignored: 1, accepted: 2 },
  },
};

/** Facts §6: `user.getInfo`, strings except `registered["#text"]`. */
export const USER_INFO = {
  user: {
    name: 'maya_plays',
    age: '0',
    subscriber: '0',
    realname: 'Maya',
    bootstrap: '0',
    playcount: '138223',
    playlists: '0',
    image: img('9e9565eee02f3e08d803b7726f65f406'),
    registered: { unixtime: '1561177193', '#text': 1561177193 },
    country: 'United Kingdom',
    gender: 'n',
    url: 'https://www.last.fm/user/maya_plays',
    type: 'user',
  },
};

/** Facts §5: `track.updateNowPlaying` accepted. */
export const NOW_PLAYING_OK = {
  nowplaying: {
    artist: { corrected: '0', '#text': 'DJ Snake' },
    track: { corrected: '0', '#text': 'Let Me Love You' },
    ignoredMessage: { code: '0', '#text': '' },
    albumArtist: { corrected: '0', '#text': '' },
    album: { corrected: '0', '#text': 'Encore' },
  },
};

/** `track.getInfo` as Last.fm sends it: duration in ms as a string. */
export function trackInfoBody(duration: string | number): object {
  return {
    track: {
      name: 'Believe',
      mbid: '',
      url: 'https://www.last.fm/music/Cher/_/Believe',
      duration,
      streamable: { '#text': '0', fulltrack: '0' },
      listeners: '1000',
      playcount: '5000',
      artist: { name: 'Cher', mbid: '', url: 'https://www.last.fm/music/Cher' },
      toptags: { tag: [] },
    },
  };
}
