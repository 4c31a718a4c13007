import { describe, expect, it } from 'vitest';
import { LastfmError } from './errors.js';
import { interpretResponse, type ResponseContext } from './response.js';
import {
  nowPlayingResponse,
  recentTracksResponse,
  scrobbleResponse,
  sessionResponse,
  trackInfoResponse,
  userInfoResponse,
} from './schemas.js';
import {
  json,
  NOW_PLAYING_OK,
  recentTracksBody,
  SCROBBLE_BATCH,
  SCROBBLE_SINGLE,
  trackInfoBody,
  trackRow,
  USER_INFO,
} from './test-support/fixtures.js';
import { NAME_MAX_BYTES, utf8Bytes } from './text.js';
import type { HttpResponse } from './transport.js';

const RECENT: ResponseContext = { method: 'user.getRecentTracks', userScoped: true };
const TRACK: ResponseContext = { method: 'track.getInfo', userScoped: false };

function failure(res: HttpResponse, ctx: ResponseContext = RECENT): LastfmError {
  try {
    interpretResponse(res, recentTracksResponse, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(LastfmError);
    return err as LastfmError;
  }
  throw new Error('expected a LastfmError');
}

const attr = { page: 1, totalPages: 1, total: 2 };

describe('user.getRecentTracks parsing', () => {
  it('separates the now-playing row (no date) from the scrobbles and makes numbers of strings', () => {
    const body = recentTracksBody(
      [
        trackRow('Apocalypse Dreams', 'Tame Impala'),
        trackRow('Feels Like We Only Go Backwards', 'Tame Impala', 1700000000, 'Lonerism'),
        trackRow('Jóga', 'Björk', 1699999700),
      ],
      { page: 1, totalPages: 47309, total: 94618, perPage: 2 },
    );
    const page = interpretResponse(json(200, body), recentTracksResponse, RECENT);
    expect(page).toMatchObject({ page: 1, totalPages: 47309, total: 94618, perPage: 2 });
    expect(page.nowPlaying).toMatchObject({ artist: 'Tame Impala', track: 'Apocalypse Dreams' });
    expect(page.nowPlaying?.imageUrl).toMatch(/300x300/);
    expect(page.scrobbles).toEqual([
      {
        artist: 'Tame Impala',
        track: 'Feels Like We Only Go Backwards',
        album: 'Lonerism',
        timestamp: 1700000000,
        mbid: '',
        imageUrl: null,
      },
      {
        artist: 'Björk',
        track: 'Jóga',
        album: '',
        timestamp: 1699999700,
        mbid: '',
        imageUrl: null,
      },
    ]);
  });

  it('accepts a single scrobble sent as an object instead of a list', () => {
    const body = recentTracksBody(trackRow('Jóga', 'Björk', 1699999700), attr);
    const page = interpretResponse(json(200, body), recentTracksResponse, RECENT);
    expect(page.scrobbles.map((s) => s.timestamp)).toEqual([1699999700]);
    expect(page.nowPlaying).toBeNull();
  });

  it('accepts a lone now-playing row sent as an object, and returns no scrobble', () => {
    const body = recentTracksBody(trackRow('China White III', 'He Is Legend'), attr);
    const page = interpretResponse(json(200, body), recentTracksResponse, RECENT);
    expect(page.scrobbles).toEqual([]);
    expect(page.nowPlaying?.track).toBe('China White III');
  });

  it('accepts an empty list and a missing track key as no rows', () => {
    const none = { page: 1, totalPages: 0, total: 0 };
    for (const track of [[], undefined]) {
      const page = interpretResponse(
        json(200, recentTracksBody(track, none)),
        recentTracksResponse,
        RECENT,
      );
      expect(page).toMatchObject({ scrobbles: [], nowPlaying: null, totalPages: 0, total: 0 });
    }
  });

  it('reads the extended=1 artist form ({name}) too', () => {
    const row = {
      ...trackRow('Endors Toi', 'x', 1603186824),
      artist: { name: 'Tame Impala', mbid: '' },
    };
    const page = interpretResponse(
      json(200, recentTracksBody([row], attr)),
      recentTracksResponse,
      RECENT,
    );
    expect(page.scrobbles[0]?.artist).toBe('Tame Impala');
  });

  it('never turns a now-playing row into a scrobble even if it carried a date', () => {
    const row = { ...trackRow('A', 'B', 1700000000), '@attr': { nowplaying: 'true' } };
    const page = interpretResponse(
      json(200, recentTracksBody([row], attr)),
      recentTracksResponse,
      RECENT,
    );
    expect(page.scrobbles).toEqual([]);
    expect(page.nowPlaying?.track).toBe('A');
  });

  it('rejects a page whose timestamp is not a number as a fatal shape error', () => {
    const row = { ...trackRow('A', 'B', 1), date: { uts: 'yesterday' } };
    const err = failure(json(200, recentTracksBody([row], attr)));
    expect(err).toMatchObject({ kind: 'fatal', code: 0, httpStatus: 200 });
    expect(err.message).toMatch(/unexpected response shape/);
  });
});

describe('error bodies', () => {
  const cases: Array<[string, number, object, string, number]> = [
    ['user not found (404)', 404, { error: 6, message: 'User not found' }, 'user_not_found', 6],
    [
      'private (403)',
      403,
      { message: 'Login: User required to be logged in', error: 17 },
      'private',
      17,
    ],
    [
      'revoked session (403)',
      403,
      { message: 'Invalid session key - Please re-authenticate', error: 9 },
      'auth_revoked',
      9,
    ],
    ['rate limit (429)', 429, { message: 'Rate Limit Exceeded', error: 29 }, 'retryable', 29],
    ['operation failed (500)', 500, { error: 8, message: 'Operation failed' }, 'retryable', 8],
    ['service offline (503)', 503, { error: 11, message: 'Service Offline' }, 'retryable', 11],
    ['temporary error (503)', 503, { error: 16, message: 'temporary' }, 'retryable', 16],
    [
      'bad signature (400)',
      400,
      { error: 13, message: 'Invalid method signature supplied' },
      'fatal',
      13,
    ],
    ['error sent with 200', 200, { error: 16, message: 'temporary' }, 'retryable', 16],
    [
      'error 6 with 200 on a user',
      200,
      { error: 6, message: 'User not found' },
      'user_not_found',
      6,
    ],
    [
      'a parameter out of bounds (400, links:[] as in 2015)',
      400,
      { error: 6, message: 'page param out of bounds (1-1000000)', links: [] },
      'fatal',
      6,
    ],
    [
      'user not found with links:[]',
      404,
      { error: 6, message: 'User not found', links: [] },
      'user_not_found',
      6,
    ],
    ['unknown code (5xx status decides)', 502, { error: 99, message: 'x' }, 'retryable', 99],
    ['invalid API key (403)', 403, { error: 10, message: 'Invalid API key' }, 'fatal', 10],
  ];
  for (const [name, status, body, kind, code] of cases) {
    it(`classifies ${name} as ${kind}`, () => {
      const err = failure(json(status, body));
      expect(err).toMatchObject({ kind, code, httpStatus: status, method: 'user.getRecentTracks' });
    });
  }

  it('detects an error body even when the payload would also match the success schema', () => {
    const body = { ...recentTracksBody([], attr), error: 8, message: 'Operation failed' };
    expect(failure(json(200, body))).toMatchObject({ kind: 'retryable', code: 8 });
  });

  it('does not call a 404 error 6 on a track lookup "user not found"', () => {
    const err = failure(json(404, { error: 6, message: 'Track not found' }), TRACK);
    expect(err).toMatchObject({ kind: 'fatal', code: 6 });
  });

  it('marks rate limiting so callers can back off longer', () => {
    expect(failure(json(429, { error: 29, message: 'x' })).rateLimited).toBe(true);
    expect(failure({ status: 429, body: 'Too Many Requests' })).toMatchObject({
      kind: 'retryable',
      rateLimited: true,
    });
  });

  it('treats an error key that is not a number as a malformed error body', () => {
    expect(failure(json(200, { error: 'boom' }))).toMatchObject({ kind: 'fatal', code: 0 });
    expect(failure(json(503, { error: null }))).toMatchObject({ kind: 'retryable', code: 0 });
  });
});

describe('bodies that are not what was expected', () => {
  it('makes an HTML 502 page retryable and an HTML 200 or 404 page fatal', () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    expect(failure({ status: 502, body: html })).toMatchObject({ kind: 'retryable', code: 0 });
    expect(failure({ status: 200, body: html })).toMatchObject({ kind: 'fatal', code: 0 });
    expect(failure({ status: 404, body: html })).toMatchObject({ kind: 'fatal', code: 0 });
  });

  it('makes truncated JSON, an empty body and XML typed errors', () => {
    expect(failure({ status: 200, body: '{"recenttracks":{' })).toMatchObject({ kind: 'fatal' });
    expect(failure({ status: 200, body: '' })).toMatchObject({ kind: 'fatal' });
    const xml = '<lfm status="failed"><error code="9">Invalid session key</error></lfm>';
    expect(failure({ status: 403, body: xml })).toMatchObject({ kind: 'fatal', httpStatus: 403 });
  });

  it('makes a JSON body of the wrong shape a fatal error, and a non-2xx one by its status', () => {
    for (const body of [null, [], 42, 'text', { something: 'else' }, { recenttracks: {} }]) {
      expect(failure(json(200, body))).toMatchObject({ kind: 'fatal', code: 0 });
    }
    expect(failure(json(503, { status: 'down' }))).toMatchObject({ kind: 'retryable', code: 0 });
  });
});

describe('other methods', () => {
  it('reads auth.getSession with subscriber as a number or as a string', () => {
    for (const subscriber of [0, '0', 1, '1']) {
      const body = {
        session: { name: 'leo_follows', key: 'd580d57f32848f5dcf574d1ce18d78b2', subscriber },
      };
      const session = interpretResponse(json(200, body), sessionResponse, RECENT);
      expect(session).toEqual({
        name: 'leo_follows',
        key: 'd580d57f32848f5dcf574d1ce18d78b2',
        subscriber: Number(subscriber) === 1,
      });
    }
  });

  it('reads user.getInfo: string numbers, registered #text as a number', () => {
    const info = interpretResponse(json(200, USER_INFO), userInfoResponse, RECENT);
    expect(info).toEqual({
      name: 'maya_plays',
      realname: 'Maya',
      playcount: 138223,
      registeredAt: 1561177193,
      url: 'https://www.last.fm/user/maya_plays',
      imageUrl:
        'https://lastfm.freetls.fastly.net/i/u/300x300/9e9565eee02f3e08d803b7726f65f406.jpg',
      subscriber: false,
    });
    const onlyText = { user: { ...USER_INFO.user, registered: { '#text': 1561177193 } } };
    expect(interpretResponse(json(200, onlyText), userInfoResponse, RECENT).registeredAt).toBe(
      1561177193,
    );
  });

  it('reads track.getInfo duration in ms, and "0" or a missing duration as unknown', () => {
    const parse = (d: string | number) =>
      interpretResponse(json(200, trackInfoBody(d)), trackInfoResponse, TRACK);
    expect(parse('240000')).toEqual({ artist: 'Cher', track: 'Believe', durationMs: 240000 });
    expect(parse('0').durationMs).toBeNull();
    expect(parse(0).durationMs).toBeNull();
    const body = trackInfoBody('1') as { track: Record<string, unknown> };
    delete body.track.duration;
    expect(interpretResponse(json(200, body), trackInfoResponse, TRACK).durationMs).toBeNull();
  });

  it('reads a single scrobble answered as an object, its album without #text', () => {
    const res = interpretResponse(json(200, SCROBBLE_SINGLE), scrobbleResponse, TRACK);
    expect(res.accepted).toBe(1);
    expect(res.ignored).toBe(0);
    expect(res.items).toEqual([
      {
        artist: 'Helium',
        track: 'Vibrations',
        timestamp: 1712992925,
        ignoredMessage: { code: 0, '#text': '' },
      },
    ]);
  });

  it('reads a batch answered as a list, with an item ignored with code "1"', () => {
    const res = interpretResponse(json(200, SCROBBLE_BATCH), scrobbleResponse, TRACK);
    expect(res).toMatchObject({ accepted: 2, ignored: 1 });
    expect(res.items.map((i) => i.ignoredMessage.code)).toEqual([0, 0, 1]);
  });

  it('reads track.updateNowPlaying accepted and ignored', () => {
    expect(interpretResponse(json(200, NOW_PLAYING_OK), nowPlayingResponse, TRACK)).toEqual({
      accepted: true,
      ignoredCode: 0,
    });
    const ignored = {
      nowplaying: { ...NOW_PLAYING_OK.nowplaying, ignoredMessage: { code: '1', '#text': '' } },
    };
    expect(interpretResponse(json(200, ignored), nowPlayingResponse, TRACK)).toEqual({
      accepted: false,
      ignoredCode: 1,
    });
  });
});

describe('text a database cannot hold', () => {
  const row = (name: string, artist: string, uts?: number, album = 'Homogenic') => ({
    ...trackRow('placeholder', 'placeholder', uts, album),
    name,
    artist: { mbid: '', '#text': artist },
  });

  it('drops U+0000 and makes a lone surrogate U+FFFD in every field of a recent track', () => {
    const body = recentTracksBody(
      [
        row('Now\u0000', 'Bj\uD800rk'),
        { ...row('bad\u0000name', 'Bj\u0000örk', 1700000000, 'Homo\uDC00genic'), mbid: 'm\u0000' },
      ],
      attr,
    );
    const page = interpretResponse(json(200, body), recentTracksResponse, RECENT);
    expect(page.nowPlaying).toMatchObject({ track: 'Now', artist: 'Bj\uFFFDrk' });
    expect(page.scrobbles).toEqual([
      {
        artist: 'Björk',
        track: 'badname',
        album: 'Homo\uFFFDgenic',
        timestamp: 1700000000,
        mbid: 'm',
        imageUrl: null,
      },
    ]);
  });

  it(`cuts an over-long name to NAME_MAX_BYTES and marks the scrobble as not to be copied`, () => {
    const huge = '🎶'.repeat(75_000); // 300 KB
    const body = recentTracksBody(
      [
        row(huge, 'Björk'),
        row('Jóga', huge, 1700000300),
        row('Jóga', 'Björk', 1700000200, huge),
        row('Jóga', 'Björk', 1700000100),
        row('x'.repeat(NAME_MAX_BYTES), 'Björk', 1700000000),
      ],
      attr,
    );
    const page = interpretResponse(json(200, body), recentTracksResponse, RECENT);
    expect(page.nowPlaying?.unmirrorable).toBe('name_too_long');
    expect(utf8Bytes(page.nowPlaying?.track ?? '')).toBeLessThanOrEqual(NAME_MAX_BYTES);
    expect(page.scrobbles.map((s) => s.unmirrorable)).toEqual([
      'name_too_long',
      'name_too_long',
      undefined,
      undefined,
    ]);
    const [byArtist, byAlbum] = page.scrobbles;
    expect(byArtist?.artist).toBe(`${'🎶'.repeat(199)}…`);
    expect(byAlbum).toMatchObject({
      track: 'Jóga',
      artist: 'Björk',
      album: `${'🎶'.repeat(199)}…`,
    });
    expect(page.scrobbles[3]?.track).toHaveLength(NAME_MAX_BYTES);
  });

  it('cleans track.getInfo and user.getInfo, and caps the track names of track.getInfo', () => {
    const track = trackInfoBody('1000') as { track: { name: string; artist: { name: string } } };
    track.track.name = 'Belie\u0000ve'.repeat(200);
    track.track.artist.name = 'Ch\uD800er';
    const info = interpretResponse(json(200, track), trackInfoResponse, TRACK);
    expect(info.artist).toBe('Ch\uFFFDer');
    expect(info.track.startsWith('BelieveBelieve')).toBe(true);
    expect(utf8Bytes(info.track)).toBe(NAME_MAX_BYTES);
    const user = { user: { ...USER_INFO.user, realname: 'Ma\u0000ya', url: 'https://x/\uDFFF' } };
    expect(interpretResponse(json(200, user), userInfoResponse, RECENT)).toMatchObject({
      realname: 'Maya',
      url: 'https://x/\uFFFD',
    });
  });

  it('cleans what Lasso keeps of an answer: an ignored message, an error message', () => {
    const single = structuredClone(SCROBBLE_SINGLE);
    single.scrobbles.scrobble.ignoredMessage = { code: '1', '#text': 'Artist\u0000 ignored' };
    const res = interpretResponse(json(200, single), scrobbleResponse, TRACK);
    expect(res.items[0]?.ignoredMessage['#text']).toBe('Artist ignored');
    const err = failure(json(200, { error: 8, message: 'Operation\u0000 failed \uD800' }));
    expect(err.message).toBe(
      'user.getRecentTracks: Last.fm error 8: Operation failed \uFFFD (HTTP 200)',
    );
  });
});
