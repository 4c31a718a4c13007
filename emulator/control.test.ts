import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS } from './quirks.js';
import type { Booted } from './test-support/kit.js';
import { boot, call, control, KEY, sessionFor, sign, T0 } from './test-support/kit.js';

let b: Booted;
beforeEach(async () => {
  b = await boot();
});
afterEach(() => b.emu.close());

describe('control API', () => {
  it('registers an app whose key and secret then work on /2.0/', async () => {
    const r = await control(b.emu, 'POST', '/apps', { api_key: 'k2', secret: 's2', name: 'Other' });
    expect([r.status, r.json]).toEqual([201, { api_key: 'k2', name: 'Other', callback_url: null }]);
    const p = { method: 'auth.getToken', api_key: 'k2', format: 'json' };
    const t = await call(b.emu, { ...p, api_sig: sign(p, 's2') }, { bare: true });
    expect(t.json.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('creates users (201, then 200 when it exists) and shows them', async () => {
    const first = await control(b.emu, 'POST', '/users', { name: 'maya', private: true });
    expect(first.status).toBe(201);
    expect(first.json).toEqual({
      name: 'maya',
      private: true,
      registered: T0,
      playcount: 0,
      now_playing: null,
    });
    expect((await control(b.emu, 'POST', '/users', { name: 'maya' })).status).toBe(200);
    expect((await control(b.emu, 'GET', '/users/MAYA')).json.name).toBe('maya');
    expect(
      ((await control(b.emu, 'GET', '/users')).json as { name: string }[]).map((u) => u.name),
    ).toEqual(['maya']);
  });

  it('makes a user private and public with PATCH', async () => {
    b.emu.createUser('maya');
    const rt = () => call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });
    expect((await control(b.emu, 'PATCH', '/users/maya', { private: true })).json.private).toBe(
      true,
    );
    expect((await rt()).json.error).toBe(17);
    await control(b.emu, 'PATCH', '/users/maya', { private: false });
    expect((await rt()).status).toBe(200);
  });

  it('sets and clears now playing', async () => {
    b.emu.createUser('maya');
    const set = await control(b.emu, 'POST', '/users/maya/now-playing', {
      artist: 'A',
      track: 'T',
      album: 'L',
      duration: 200,
    });
    expect(set.json.now_playing).toEqual({ artist: 'A', track: 'T', album: 'L' });
    expect((await control(b.emu, 'DELETE', '/users/maya/now-playing')).status).toBe(204);
    expect(b.emu.user('maya').now_playing).toBeNull();
  });

  it('adds scrobbles (one or many, duplicates once) and lists the library newest first', async () => {
    b.emu.createUser('maya');
    const one = await control(b.emu, 'POST', '/users/maya/scrobbles', {
      artist: 'A',
      track: 'T1',
      timestamp: T0 - 100,
    });
    expect([one.status, one.json]).toEqual([201, { added: 1 }]);
    const many = await control(b.emu, 'POST', '/users/maya/scrobbles', [
      { artist: 'A', track: 'T2', album: 'L', timestamp: T0 - 50 },
      { artist: 'A', track: 'T1', timestamp: T0 - 100 },
    ]);
    expect(many.json).toEqual({ added: 1 });
    expect((await control(b.emu, 'GET', '/users/maya/scrobbles')).json).toEqual([
      { artist: 'A', track: 'T2', album: 'L', timestamp: T0 - 50 },
      { artist: 'A', track: 'T1', album: '', timestamp: T0 - 100 },
    ]);
  });

  it('approves a user for an app and gives a token getSession accepts', async () => {
    b.emu.createUser('maya');
    const r = await control(b.emu, 'POST', '/auth/approve', { api_key: KEY, user: 'maya' });
    expect(r.status).toBe(200);
    const s = await call(
      b.emu,
      { method: 'auth.getSession', token: r.json.token },
      { signed: true },
    );
    expect(s.json.session.name).toBe('maya');
  });

  it('reports faults set and rejects bad ones', async () => {
    const ok = await control(b.emu, 'POST', '/faults', {
      rate: 0.25,
      codes: [11, 'drop'],
      methods: ['track.scrobble'],
    });
    expect(ok.status).toBe(200);
    expect((await control(b.emu, 'GET', '/faults')).json.faults).toMatchObject({
      rate: 0.25,
      codes: [11, 'drop'],
    });
    expect((await control(b.emu, 'POST', '/faults', { rate: 2, codes: [11] })).status).toBe(400);
    const badCode = await control(b.emu, 'POST', '/faults', { rate: 1, codes: [404] });
    expect([badCode.status, badCode.json.error]).toEqual([
      400,
      expect.stringContaining('unknown fault code 404'),
    ]);
  });

  it('counts calls by method, logs them and resets', async () => {
    b.emu.createUser('maya');
    await call(b.emu, { method: 'user.getInfo', user: 'maya' });
    await call(b.emu, { method: 'USER.GETINFO', user: 'nobody' });
    await call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });
    const r = (await control(b.emu, 'GET', '/calls')).json;
    expect(r.total).toBe(3);
    expect(r.by_method).toEqual({ 'user.getInfo': 2, 'user.getRecentTracks': 1 });
    expect(r.log[1]).toEqual({
      seq: 2,
      at: T0 * 1000,
      method: 'user.getInfo',
      user: 'nobody',
      api_key: KEY,
      status: 404,
      client: expect.stringMatching(/^(127\.0\.0\.1|::ffff:127\.0\.0\.1):\d+$/),
      answered_at: T0 * 1000,
    });
    expect((await control(b.emu, 'DELETE', '/calls')).status).toBe(204);
    expect((await control(b.emu, 'GET', '/calls')).json).toEqual({
      total: 0,
      by_method: {},
      log: [],
    });
    // Numbers go on after a reset, so a reader paging the log by `seq` never sees one twice.
    await call(b.emu, { method: 'user.getInfo', user: 'maya' });
    const after = (await control(b.emu, 'GET', '/calls')).json as { log: { seq: number }[] };
    expect(after.log.map((e) => e.seq)).toEqual([4]);
  });

  it('logs which connection made each call', async () => {
    b.emu.createUser('maya');
    // Two fresh connections (no keep-alive between them): two client ports.
    const opts = { headers: { connection: 'close' } };
    await fetch(`${b.emu.apiUrl}?method=user.getInfo&user=maya&api_key=${KEY}`, opts);
    await fetch(`${b.emu.apiUrl}?method=user.getInfo&user=maya&api_key=${KEY}`, opts);
    const clients = b.emu.calls().log.map((e) => e.client);
    expect(clients).toHaveLength(2);
    expect(new Set(clients).size).toBe(2);
  });

  it('lists every scrobble track.scrobble accepted, a repeat as often as it was sent', async () => {
    b.emu.createUser('guest');
    const sk = await sessionFor(b.emu, 'guest');
    const one = {
      method: 'track.scrobble',
      sk,
      artist: 'Björk',
      track: 'Jóga',
      timestamp: String(T0),
    };
    await call(b.emu, one, { http: 'POST' });
    await b.clock.advance(5_000);
    await call(b.emu, one, { http: 'POST' });
    // Too old: ignored by Last.fm, so not a submission.
    await call(b.emu, { ...one, timestamp: String(T0 - 15 * 86_400) }, { http: 'POST' });
    b.emu.addScrobble('guest', { artist: 'Own', track: 'Play', timestamp: T0 });
    const row = { artist: 'Björk', track: 'Jóga', album: '', timestamp: T0 };
    const want = [
      { ...row, at: T0 * 1000 },
      { ...row, at: T0 * 1000 + 5_000 },
    ];
    expect((await control(b.emu, 'GET', '/users/guest/submissions')).json).toEqual(want);
    expect(b.emu.submissions('guest')).toEqual(want);
    expect(b.emu.scrobbles('guest')).toHaveLength(2);
    expect((await control(b.emu, 'GET', '/users/nobody/submissions')).status).toBe(404);
  });

  it('starts, lists and stops listeners', async () => {
    b.emu.createUser('host');
    const r = await control(b.emu, 'POST', '/listeners', {
      user: 'host',
      tracks: [{ artist: 'A', track: 'T', duration_s: 60 }],
      loop: true,
    });
    expect(r.json).toEqual({
      user: 'host',
      loop: true,
      tracks: 1,
      position: 0,
      playing: { artist: 'A', track: 'T' },
    });
    expect((await control(b.emu, 'GET', '/listeners')).json).toHaveLength(1);
    expect((await control(b.emu, 'DELETE', '/listeners/host')).status).toBe(204);
    expect((await control(b.emu, 'GET', '/listeners')).json).toEqual([]);
  });

  it('registers a track for track.getInfo', async () => {
    const r = await control(b.emu, 'POST', '/tracks', { artist: 'A', track: 'T', duration_s: 212 });
    expect(r.json).toEqual({ artist: 'A', track: 'T', duration_s: 212 });
    expect(
      (await call(b.emu, { method: 'track.getInfo', artist: 'A', track: 'T' })).json.track.duration,
    ).toBe('212000');
  });

  it('reads and patches quirks, refusing unknown ones and bad values', async () => {
    expect((await control(b.emu, 'GET', '/quirks')).json).toEqual(DEFAULT_QUIRKS);
    const r = await control(b.emu, 'PATCH', '/quirks', {
      singleTrackAsObject: true,
      dailyScrobbleCap: null,
    });
    expect(r.json).toMatchObject({
      singleTrackAsObject: true,
      dailyScrobbleCap: null,
      fromInclusive: true,
    });
    expect((await control(b.emu, 'PATCH', '/quirks', { nope: 1 })).json.error).toBe(
      'unknown quirk "nope"',
    );
    expect((await control(b.emu, 'PATCH', '/quirks', { limitAbove200: 'maybe' })).status).toBe(400);
  });
});

describe('control API errors', () => {
  const cases: [string, string, string, unknown, number][] = [
    ['bad JSON', 'POST', '/users', '{nope', 400],
    ['missing name', 'POST', '/users', {}, 400],
    ['bad user name', 'POST', '/users', { name: 'has space' }, 400],
    ['unknown user', 'GET', '/users/ghost', undefined, 404],
    ['unknown user scrobbles', 'GET', '/users/ghost/scrobbles', undefined, 404],
    [
      'scrobble without timestamp',
      'POST',
      '/users/maya/scrobbles',
      { artist: 'A', track: 'T' },
      400,
    ],
    ['approve unknown app', 'POST', '/auth/approve', { api_key: 'nope', user: 'maya' }, 404],
    ['approve unknown user', 'POST', '/auth/approve', { api_key: KEY, user: 'ghost' }, 404],
    ['revoke without api_key', 'POST', '/users/maya/revoke', {}, 400],
    [
      'listener for unknown user',
      'POST',
      '/listeners',
      { user: 'ghost', tracks: [{ artist: 'A', track: 'T', duration_s: 9 }] },
      404,
    ],
    ['listener with no tracks', 'POST', '/listeners', { user: 'maya', tracks: [] }, 400],
    ['PATCH without private', 'PATCH', '/users/maya', { private: 'yes' }, 400],
    ['unknown route', 'GET', '/nothing', undefined, 404],
  ];
  it.each(cases)('%s → %i with a message', async (_name, method, path, body, status) => {
    b.emu.createUser('maya');
    const r = await control(b.emu, method, path, body);
    expect(r.status).toBe(status);
    expect(typeof r.json.error).toBe('string');
  });

  it('throws the same errors from the handle', () => {
    expect(() => b.emu.setPrivate('ghost', true)).toThrow('unknown user "ghost"');
    expect(() => b.emu.setFaults({ rate: -1, codes: [11] })).toThrow(
      'rate must be a number in 0..1',
    );
  });
});
