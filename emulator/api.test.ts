import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Booted } from './test-support/kit.js';
import { boot, call, KEY, sessionFor, sign, T0 } from './test-support/kit.js';

let b: Booted;
beforeEach(async () => {
  b = await boot({ users: ['maya', { name: 'hidden', private: true }] });
  b.emu.addScrobble('maya', [
    { artist: 'Björk', track: 'Jóga', album: 'Homogenic', timestamp: T0 - 600 },
    { artist: 'Tame Impala', track: 'Elephant', timestamp: T0 - 300 },
  ]);
});
afterEach(() => b.emu.close());

describe('/2.0/ transport', () => {
  it('answers JSON with the content type, CORS headers and \\/ escaping of a real response', async () => {
    const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toBe('POST, GET, OPTIONS');
    expect(r.text).toContain('https:\\/\\/www.last.fm\\/music\\/Tame+Impala\\/_\\/Elephant');
    expect(r.json.recenttracks.track[0].name).toBe('Elephant');
  });

  it('serves /2.0 without the trailing slash and dispatches method names case-insensitively', async () => {
    const r = await call(b.emu, { method: 'USER.getrecenttracks', user: 'maya' }, { path: '/2.0' });
    expect(r.status).toBe(200);
    expect(r.json.recenttracks['@attr'].total).toBe('2');
  });

  it('answers minimal XML without format=json', async () => {
    const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya', format: '' });
    expect(r.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(r.text).toContain('<lfm status="ok"><recenttracks user="maya"');
    expect(r.text).toContain('<artist mbid="">Björk</artist>');
    expect(r.text).toContain(`<date uts="${T0 - 600}">5 Jan 2026, 17:50</date>`);
  });

  it('answers XML errors as <lfm status="failed"> with the code', async () => {
    const r = await call(b.emu, { method: 'user.getInfo', user: 'nobody', format: '' });
    expect(r.status).toBe(404);
    expect(r.text).toContain('<lfm status="failed"><error code="6">User not found</error></lfm>');
  });

  it('wraps JSON in the callback for JSONP, errors included', async () => {
    const ok = await call(b.emu, { method: 'user.getInfo', user: 'maya', callback: 'handle_1' });
    expect(ok.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(ok.text).toMatch(/^handle_1\(\{"user":\{"name":"maya"/);
    const bad = await call(b.emu, { method: 'user.getInfo', user: 'nobody', callback: 'cb' });
    expect(bad.text).toBe('cb({"message":"User not found","error":6});');
  });

  it('merges query-string and body parameters of a POST', async () => {
    const p = { method: 'user.getInfo', user: 'maya', api_key: KEY, format: 'json' };
    const res = await fetch(`${b.emu.apiUrl}?method=user.getInfo&format=json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user: p.user, api_key: KEY }).toString(),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { name: string } }).user.name).toBe('maya');
  });

  it('answers a CORS preflight', async () => {
    const res = await fetch(b.emu.apiUrl, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-max-age')).toBe('86400');
  });
});

describe('/2.0/ errors', () => {
  const cases: [string, Record<string, string>, number, number, string][] = [
    [
      'unknown method',
      { method: 'track.love' },
      400,
      3,
      'Invalid Method - No method with that name in this package',
    ],
    [
      'unknown api key',
      { method: 'user.getInfo', user: 'maya', api_key: 'nope' },
      403,
      10,
      'Invalid API key - You must be granted a valid key by last.fm',
    ],
    [
      'missing user',
      { method: 'user.getRecentTracks' },
      400,
      6,
      'Invalid parameters - Your request is missing a required parameter',
    ],
    ['unknown user', { method: 'user.getRecentTracks', user: 'nobody' }, 404, 6, 'User not found'],
    [
      'private user',
      { method: 'user.getRecentTracks', user: 'hidden' },
      403,
      17,
      'Login: User required to be logged in',
    ],
    [
      'page 0',
      { method: 'user.getRecentTracks', user: 'maya', page: '0' },
      400,
      6,
      'page param out of bounds (1-1000000)',
    ],
    [
      'page too big',
      { method: 'user.getRecentTracks', user: 'maya', page: '1000001' },
      400,
      6,
      'page param out of bounds (1-1000000)',
    ],
    [
      'limit 0',
      { method: 'user.getRecentTracks', user: 'maya', limit: '0' },
      400,
      6,
      'limit param out of bounds (1-1000)',
    ],
    [
      'limit 201',
      { method: 'user.getRecentTracks', user: 'maya', limit: '201' },
      400,
      6,
      'limit param out of bounds (1-1000)',
    ],
    [
      'unknown track',
      { method: 'track.getInfo', artist: 'X', track: 'Y' },
      400,
      6,
      'Track not found',
    ],
  ];
  it.each(cases)('%s → HTTP %i, error %i', async (_name, params, status, code, message) => {
    const r = await call(b.emu, params);
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ message, error: code });
  });

  it('answers a missing api_key with error 6', async () => {
    const r = await call(
      b.emu,
      { method: 'user.getInfo', user: 'maya', format: 'json' },
      { bare: true },
    );
    expect([r.status, r.json.error]).toEqual([400, 6]);
  });

  it('rejects a wrong api_sig on a read method with error 13 and accepts a right one', async () => {
    const p = { method: 'user.getInfo', user: 'maya', api_key: KEY };
    const bad = await call(b.emu, { ...p, api_sig: sign(p, 'wrong') });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ message: 'Invalid method signature supplied', error: 13 });
    const good = await call(b.emu, { ...p, api_sig: sign(p).toUpperCase() });
    expect(good.status).toBe(200);
  });
});

describe('user methods', () => {
  it('gives user.getInfo of a private user, with the type mix of a real answer', async () => {
    const r = await call(b.emu, { method: 'user.getInfo', user: 'hidden' });
    expect(r.status).toBe(200);
    expect(r.json.user.name).toBe('hidden');
    expect(r.json.user.subscriber).toBe('0');
    expect(r.json.user.registered).toEqual({ unixtime: String(T0), '#text': T0 });
  });

  it('gives user.getInfo of the session user when only sk is sent (signed)', async () => {
    const sk = await sessionFor(b.emu, 'maya');
    const r = await call(b.emu, { method: 'user.getInfo', sk }, { signed: true });
    expect(r.json.user.name).toBe('maya');
    expect(r.json.user.playcount).toBe('2');
  });

  it('shows a private user their own recent tracks through their session', async () => {
    const sk = await sessionFor(b.emu, 'hidden');
    const r = await call(
      b.emu,
      { method: 'user.getRecentTracks', user: 'hidden', sk },
      { signed: true },
    );
    expect(r.status).toBe(200);
  });

  it('answers an empty history with track [] and total "0"', async () => {
    b.emu.createUser('fresh');
    const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'fresh' });
    expect(r.json.recenttracks).toEqual({
      track: [],
      '@attr': { user: 'fresh', totalPages: '0', page: '1', perPage: '50', total: '0' },
    });
  });

  it('puts the now-playing row first, dateless, outside limit', async () => {
    b.emu.setNowPlaying('maya', { artist: 'Helium', track: 'Vibrations', duration: 200 });
    const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya', limit: '1' });
    const [np, last] = r.json.recenttracks.track;
    expect(r.json.recenttracks.track).toHaveLength(2);
    expect(np['@attr']).toEqual({ nowplaying: 'true' });
    expect(np.date).toBeUndefined();
    expect(last.date).toEqual({ uts: String(T0 - 300), '#text': '5 Jan 2026, 17:55' });
    expect(r.json.recenttracks['@attr']).toMatchObject({
      perPage: '1',
      total: '2',
      totalPages: '2',
    });
  });

  it('gives the extended form with artist name and loved flag', async () => {
    const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya', extended: '1' });
    const row = r.json.recenttracks.track[1];
    expect(row.artist).toMatchObject({ name: 'Björk', mbid: '' });
    expect(row.loved).toBe('0');
    expect(row.album).toEqual({ mbid: '', '#text': 'Homogenic' });
  });

  it('filters by from and to', async () => {
    const r = await call(b.emu, {
      method: 'user.getRecentTracks',
      user: 'maya',
      from: String(T0 - 600),
      to: String(T0 - 300),
    });
    const rows = r.json.recenttracks.track as { name: string }[];
    expect(rows.map((t) => t.name)).toEqual(['Jóga']);
  });
});

describe('track.getInfo', () => {
  it('gives the known duration in milliseconds as a string', async () => {
    b.emu.registerTrack({ artist: 'Helium', track: 'Vibrations', duration_s: 245 });
    const r = await call(b.emu, { method: 'track.getInfo', artist: 'helium', track: 'VIBRATIONS' });
    expect(r.json.track).toMatchObject({
      name: 'Vibrations',
      duration: '245000',
      artist: { name: 'Helium' },
    });
  });

  it('says "0" for a track it heard of without a duration', async () => {
    const r = await call(b.emu, { method: 'track.getInfo', artist: 'Björk', track: 'Jóga' });
    expect(r.json.track.duration).toBe('0');
    expect(r.json.track.playcount).toBe('1');
  });

  it('learns durations from now-playing entries', async () => {
    b.emu.setNowPlaying('maya', { artist: 'Helium', track: 'Leon', duration: 301 });
    const r = await call(b.emu, { method: 'track.getInfo', artist: 'Helium', track: 'Leon' });
    expect(r.json.track.duration).toBe('301000');
  });
});

describe('/2.0/ answers and logs every call', () => {
  it('answers user.getRecentTracks for a name holding a lone surrogate, and logs the call', async () => {
    // JSON (the control API) can carry a lone surrogate; UTF-8 from the wire never does.
    b.emu.addScrobble('maya', { artist: 'Lone \ud800', track: 'T\udc00', timestamp: T0 - 60 });
    const r = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });
    expect(r.status).toBe(200);
    const [row] = r.json.recenttracks.track;
    expect(row.artist['#text']).toBe('Lone \ud800');
    // In URLs it is what a UTF-8 encoder makes of it: U+FFFD.
    expect(row.url).toBe('https://www.last.fm/music/Lone+%EF%BF%BD/_/T%EF%BF%BD');
    const xml = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya', format: '' });
    expect(xml.status).toBe(200);
    expect(xml.text).toContain('<artist mbid="">Lone \ufffd</artist>');
    const logged = b.emu.calls().log.filter((e) => e.method === 'user.getRecentTracks');
    expect(logged.map((e) => e.status)).toEqual([200, 200]);
  });

  it('logs a POST whose body is too large, with the 400 it got', async () => {
    const res = await fetch(b.emu.apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `method=track.scrobble&api_key=${KEY}&artist=${'a'.repeat(2_100_000)}`,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('request body too large');
    expect(b.emu.calls().log.at(-1)).toMatchObject({ status: 400 });
  });
});
