import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLastfmClient, defaultUserAgent } from './client.js';
import { LastfmError } from './errors.js';
import { signParams } from './signature.js';
import {
  json,
  NOW_PLAYING_OK,
  paramsOf,
  recentTracksBody,
  SCROBBLE_BATCH,
  SCROBBLE_SINGLE,
  scriptedTransport,
  trackInfoBody,
  trackRow,
  USER_INFO,
} from './test-support/fixtures.js';
import { API_KEY, API_SECRET, SESSION_KEY, testClient, TOKEN } from './test-support/client.js';

const SESSION = { session: { name: 'leo_follows', key: SESSION_KEY, subscriber: 0 } };

/** Checks a signed request's api_sig against the parameters it actually carried. */
function expectValidSignature(params: Record<string, string>, secret = API_SECRET): void {
  const { api_sig: sig, ...rest } = params;
  expect(sig).toBe(signParams(rest, secret));
}

describe('requests', () => {
  it('sends reads as GET with api_key and format=json, unsigned, and a Lasso User-Agent', async () => {
    const { transport, requests } = scriptedTransport(json(200, USER_INFO));
    const { client } = testClient(transport);
    await client.getUserInfo('maya_plays');
    const req = requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.url.startsWith('http://127.0.0.1:9/2.0/?')).toBe(true);
    expect(paramsOf(req)).toEqual({
      method: 'user.getInfo',
      api_key: API_KEY,
      user: 'maya_plays',
      format: 'json',
    });
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(req.headers['user-agent']).toBe(`Lasso/${pkg.version}`);
    expect(defaultUserAgent()).toBe(`Lasso/${pkg.version}`);
  });

  it('sends signed calls as form-encoded POST bodies, so no secret is in the URL', async () => {
    const { transport, requests } = scriptedTransport(json(200, SESSION));
    const { client } = testClient(transport);
    await client.getSession(TOKEN);
    const req = requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://127.0.0.1:9/2.0/');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const params = paramsOf(req);
    expect(params).toMatchObject({ method: 'auth.getSession', token: TOKEN, format: 'json' });
    expectValidSignature(params);
  });

  it('builds the documented batch-scrobble request whose signature is the published vector', async () => {
    const twoAccepted = {
      scrobbles: {
        scrobble: SCROBBLE_BATCH.scrobbles.scrobble.slice(0, 2),
        '@attr': { accepted: 2, ignored: 0 },
      },
    };
    const { transport, requests } = scriptedTransport(json(200, twoAccepted));
    const { client } = testClient(transport, { apiSecret: 'SECRET123' });
    const res = await client.scrobble('d580d57f32848f5dcf574d1ce18d78b2', [
      { artist: 'Björk', track: 'Jóga', timestamp: 1700000000, album: 'Homogenic' },
      { artist: 'Sigur Rós', track: 'Hoppípolla', timestamp: 1700000300, album: '' },
    ]);
    expect(res.accepted).toBe(2);
    const params = paramsOf(requests[0]!);
    expect(Object.keys(params).sort()).toEqual(
      [
        'album[0]',
        'api_key',
        'api_sig',
        'artist[0]',
        'artist[1]',
        'format',
        'method',
        'sk',
        'timestamp[0]',
        'timestamp[1]',
        'track[0]',
        'track[1]',
      ].sort(),
    );
    expect(params.api_sig).toBe('cf941021b1708b013cf3e52c93512661');
  });

  it('sends one scrobble in [0] notation with duration and album artist, signed with sk', async () => {
    const { transport, requests } = scriptedTransport(json(200, SCROBBLE_SINGLE));
    const { client } = testClient(transport);
    const item = { artist: 'Helium', track: 'Vibrations', timestamp: 1712992925 };
    await client.scrobble(SESSION_KEY, [{ ...item, albumArtist: 'Helium', duration: 181 }]);
    const params = paramsOf(requests[0]!);
    expect(params).toMatchObject({
      method: 'track.scrobble',
      sk: SESSION_KEY,
      'artist[0]': 'Helium',
      'track[0]': 'Vibrations',
      'timestamp[0]': '1712992925',
      'albumArtist[0]': 'Helium',
      'duration[0]': '181',
    });
    expect(params).not.toHaveProperty('album[0]');
    expectValidSignature(params);
  });

  it('sends updateNowPlaying signed, leaving out an empty album', async () => {
    const { transport, requests } = scriptedTransport(json(200, NOW_PLAYING_OK));
    const { client } = testClient(transport);
    const res = await client.updateNowPlaying(SESSION_KEY, {
      artist: 'DJ Snake',
      track: 'Let Me Love You',
      album: '',
      duration: 205,
    });
    expect(res).toEqual({ accepted: true, ignoredCode: 0 });
    const params = paramsOf(requests[0]!);
    expect(params).toEqual({
      method: 'track.updateNowPlaying',
      api_key: API_KEY,
      artist: 'DJ Snake',
      track: 'Let Me Love You',
      duration: '205',
      sk: SESSION_KEY,
      api_sig: params.api_sig,
      format: 'json',
    });
    expectValidSignature(params);
  });

  it('asks user.getInfo for the session user by signing with sk and naming no user', async () => {
    const { transport, requests } = scriptedTransport(json(200, USER_INFO));
    const { client } = testClient(transport);
    expect((await client.getUserInfo({ sessionKey: SESSION_KEY })).name).toBe('maya_plays');
    const params = paramsOf(requests[0]!);
    expect(params).not.toHaveProperty('user');
    expect(params.sk).toBe(SESSION_KEY);
    expectValidSignature(params);
  });

  it('asks for recent tracks with limit 200 by default, page, from and to', async () => {
    const { transport, requests } = scriptedTransport(
      json(200, recentTracksBody([], { page: 1, totalPages: 0, total: 0 })),
    );
    const { client } = testClient(transport);
    await client.getRecentTracks({ user: 'maya_plays', from: 1700000000, to: 1700003600 });
    expect(paramsOf(requests[0]!)).toEqual({
      method: 'user.getRecentTracks',
      api_key: API_KEY,
      user: 'maya_plays',
      limit: '200',
      page: '1',
      from: '1700000000',
      to: '1700003600',
      format: 'json',
    });
  });

  it('reads recent tracks as the user with sk: a signed POST, so a private history is readable', async () => {
    const { transport, requests } = scriptedTransport(
      json(200, recentTracksBody([], { page: 1, totalPages: 0, total: 0 })),
    );
    const { client } = testClient(transport);
    await client.getRecentTracks({ user: 'maya_plays', from: 1700000000, sessionKey: SESSION_KEY });
    const req = requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://127.0.0.1:9/2.0/');
    expect(req.url).not.toContain(SESSION_KEY);
    const params = paramsOf(req);
    expect(params).toMatchObject({
      method: 'user.getRecentTracks',
      user: 'maya_plays',
      limit: '200',
      page: '1',
      from: '1700000000',
      sk: SESSION_KEY,
    });
    expectValidSignature(params);
  });

  it('signs every page of an allPages read with sk', async () => {
    const pages = (page: number) => ({ page, totalPages: 2, total: 2, perPage: 1 });
    const { transport, requests } = scriptedTransport(
      json(200, recentTracksBody([trackRow('a', 'A', 1700000300)], pages(1))),
      json(200, recentTracksBody([trackRow('b', 'B', 1700000000)], pages(2))),
    );
    const { client } = testClient(transport);
    const res = await client.getRecentTracks({
      user: 'maya_plays',
      allPages: true,
      sessionKey: SESSION_KEY,
    });
    expect(res.scrobbles.map((s) => s.artist)).toEqual(['A', 'B']);
    expect(requests.map((r) => paramsOf(r).page)).toEqual(['1', '2']);
    for (const r of requests) {
      expect(paramsOf(r).sk).toBe(SESSION_KEY);
      expectValidSignature(paramsOf(r));
    }
  });

  it('asks track.getInfo and reads the duration', async () => {
    const { transport, requests } = scriptedTransport(json(200, trackInfoBody('240000')));
    const { client } = testClient(transport);
    expect(await client.getTrackInfo('Cher', 'Believe')).toEqual({
      artist: 'Cher',
      track: 'Believe',
      durationMs: 240000,
    });
    expect(paramsOf(requests[0]!)).toMatchObject({ artist: 'Cher', track: 'Believe' });
  });

  it('refuses out-of-range limits, pages and batch sizes before sending anything', async () => {
    const { transport, requests } = scriptedTransport();
    const { client } = testClient(transport);
    const item = { artist: 'a', track: 't', timestamp: 1 };
    await expect(client.getRecentTracks({ user: 'u', limit: 201 })).rejects.toBeInstanceOf(
      LastfmError,
    );
    await expect(client.getRecentTracks({ user: 'u', limit: 0 })).rejects.toThrow(/limit/);
    await expect(client.getRecentTracks({ user: 'u', page: 0 })).rejects.toThrow(/page/);
    await expect(client.getRecentTracks({ user: 'u', sessionKey: '' })).rejects.toThrow(
      /sessionKey/,
    );
    await expect(client.scrobble(SESSION_KEY, [])).rejects.toThrow(/1\.\.50/);
    await expect(
      client.scrobble(
        SESSION_KEY,
        Array.from({ length: 51 }, () => item),
      ),
    ).rejects.toThrow(/1\.\.50/);
    expect(requests).toHaveLength(0);
  });
});

describe('authUrl', () => {
  it('points at the configured auth page with api_key and the encoded callback', () => {
    const client = createLastfmClient({ apiKey: API_KEY, apiSecret: API_SECRET });
    expect(client.authUrl('https://lasso.example/api/auth/callback?state=a b&x=1')).toBe(
      `https://www.last.fm/api/auth/?api_key=${API_KEY}&cb=https%3A%2F%2Flasso.example%2Fapi%2Fauth%2Fcallback%3Fstate%3Da%20b%26x%3D1`,
    );
    const { client: local } = testClient(scriptedTransport().transport);
    expect(local.authUrl('http://localhost:3000/cb')).toBe(
      `http://127.0.0.1:9/api/auth/?api_key=${API_KEY}&cb=http%3A%2F%2Flocalhost%3A3000%2Fcb`,
    );
  });
});

describe('responses through the client', () => {
  it('returns per-item results of a batch in the order sent, ignored items with their code', async () => {
    const { transport } = scriptedTransport(json(200, SCROBBLE_BATCH));
    const { client } = testClient(transport);
    const res = await client.scrobble(SESSION_KEY, [
      { artist: 'Björk', track: 'Jóga', timestamp: 1700000000, album: 'Homogenic' },
      { artist: 'Sigur Rós', track: 'Hoppípolla', timestamp: 1700000300 },
      { artist: 'Helium', track: "Leon's Space Song", timestamp: 1690000000 },
    ]);
    expect(res.accepted).toBe(2);
    expect(res.ignored).toBe(1);
    expect(res.items.map((i) => [i.track, i.timestamp, i.accepted, i.ignoredCode])).toEqual([
      ['Jóga', 1700000000, true, 0],
      ['Hoppípolla', 1700000300, true, 0],
      ["Leon's Space Song", 1690000000, false, 1],
    ]);
  });

  it('reads a one-item scrobble answered as a bare object', async () => {
    const { transport } = scriptedTransport(json(200, SCROBBLE_SINGLE));
    const { client } = testClient(transport);
    const res = await client.scrobble(SESSION_KEY, [
      { artist: 'Helium', track: 'Vibrations', timestamp: 1712992925 },
    ]);
    expect(res.items).toEqual([
      {
        artist: 'Helium',
        track: 'Vibrations',
        timestamp: 1712992925,
        accepted: true,
        ignoredCode: 0,
        ignoredMessage: '',
      },
    ]);
  });

  it('fails a scrobble answer whose item count differs from what was sent', async () => {
    const { transport } = scriptedTransport(json(200, SCROBBLE_SINGLE));
    const { client } = testClient(transport);
    const item = { artist: 'a', track: 't', timestamp: 1 };
    await expect(client.scrobble(SESSION_KEY, [item, item])).rejects.toMatchObject({
      kind: 'fatal',
      code: 0,
    });
  });

  it('returns the session of auth.getSession', async () => {
    const { transport } = scriptedTransport(
      json(200, { session: { ...SESSION.session, subscriber: '1' } }),
    );
    const { client } = testClient(transport);
    expect(await client.getSession(TOKEN)).toEqual({
      name: 'leo_follows',
      key: SESSION_KEY,
      subscriber: true,
    });
  });
});

describe('getRecentTracks with allPages', () => {
  const np = trackRow('Now', 'Playing');
  const s = (uts: number) => trackRow(`t${uts}`, 'Artist', uts);

  it('fetches every page, drops the now-playing row on each, dedupes and keeps newest first', async () => {
    const { transport, requests } = scriptedTransport(
      json(
        200,
        recentTracksBody([np, s(500), s(400)], { page: 1, totalPages: 3, total: 6, perPage: 2 }),
      ),
      // A new scrobble arrived while paging: 400 moved onto page 2.
      json(
        200,
        recentTracksBody([np, s(400), s(300)], { page: 2, totalPages: 3, total: 7, perPage: 2 }),
      ),
      json(200, recentTracksBody(s(200), { page: 3, totalPages: 3, total: 7, perPage: 2 })),
    );
    const { client } = testClient(transport);
    const res = await client.getRecentTracks({ user: 'maya_plays', limit: 2, allPages: true });
    expect(res.scrobbles.map((x) => x.timestamp)).toEqual([500, 400, 300, 200]);
    expect(res.nowPlaying?.track).toBe('Now');
    expect(res).toMatchObject({ page: 3, totalPages: 3, total: 7 });
    expect(requests.map((r) => paramsOf(r).page)).toEqual(['1', '2', '3']);
  });

  it('stops at maxPages and reports the last page fetched', async () => {
    const page = (p: number) =>
      json(200, recentTracksBody([s(1000 - p)], { page: p, totalPages: 9, total: 9, perPage: 1 }));
    const { transport, requests } = scriptedTransport(page(1), page(2));
    const { client } = testClient(transport);
    const res = await client.getRecentTracks({ user: 'u', limit: 1, allPages: true, maxPages: 2 });
    expect(requests).toHaveLength(2);
    expect(res).toMatchObject({ page: 2, totalPages: 9 });
    expect(res.scrobbles.map((x) => x.timestamp)).toEqual([999, 998]);
  });

  it('makes one request for an empty history (totalPages 0, track missing)', async () => {
    const { transport, requests } = scriptedTransport(
      json(200, recentTracksBody(undefined, { page: 1, totalPages: 0, total: 0 })),
    );
    const { client } = testClient(transport);
    const res = await client.getRecentTracks({ user: 'u', allPages: true });
    expect(res.scrobbles).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('returns only the asked page without allPages, keeping the same-second rows apart', async () => {
    const { transport } = scriptedTransport(
      json(
        200,
        recentTracksBody([s(5), trackRow('other', 'Artist', 5)], {
          page: 2,
          totalPages: 4,
          total: 8,
        }),
      ),
    );
    const { client } = testClient(transport);
    const res = await client.getRecentTracks({ user: 'u', page: 2 });
    expect(res.scrobbles.map((x) => x.track)).toEqual(['t5', 'other']);
    expect(res.page).toBe(2);
  });
});
