import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '../lib/clock.js';
import type { Booted, Reply } from './test-support/kit.js';
import { boot, call, sessionFor, T0 } from './test-support/kit.js';

let b: Booted;
let sk: string;
beforeEach(async () => {
  b = await boot({ users: ['guest'] });
  sk = await sessionFor(b.emu, 'guest');
});
afterEach(() => b.emu.close());

function scrobble(
  params: Record<string, string>,
  opts: { queryOnly?: boolean; http?: 'GET' | 'POST' } = {},
) {
  return call(
    b.emu,
    { method: 'track.scrobble', sk, ...params },
    { http: 'POST', signed: true, ...opts },
  );
}

/** The ignoredMessage codes of a batch answer. */
function codesOf(r: Reply): string[] {
  return (r.json.scrobbles.scrobble as { ignoredMessage: { code: string } }[]).map(
    (s) => s.ignoredMessage.code,
  );
}

/** Batch parameters for `items`, `[i]` notation. */
function batch(items: { artist: string; track: string; timestamp: number; album?: string }[]) {
  const p: Record<string, string> = {};
  items.forEach((it, i) => {
    p[`artist[${i}]`] = it.artist;
    p[`track[${i}]`] = it.track;
    p[`timestamp[${i}]`] = String(it.timestamp);
    if (it.album !== undefined) p[`album[${i}]`] = it.album;
  });
  return p;
}

describe('track.scrobble', () => {
  it('answers a single scrobble as an object, an unsent album as {"corrected":"0"}', async () => {
    const r = await scrobble({ artist: 'Helium', track: 'Vibrations', timestamp: String(T0 - 60) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      scrobbles: {
        scrobble: {
          artist: { corrected: '0', '#text': 'Helium' },
          album: { corrected: '0' },
          track: { corrected: '0', '#text': 'Vibrations' },
          ignoredMessage: { code: '0', '#text': '' },
          albumArtist: { corrected: '0', '#text': '' },
          timestamp: String(T0 - 60),
        },
        '@attr': { ignored: 0, accepted: 1 },
      },
    });
    expect(b.emu.scrobbles('guest')).toEqual([
      { artist: 'Helium', track: 'Vibrations', album: '', timestamp: T0 - 60 },
    ]);
  });

  it('answers a batch as an array in index order and records every item', async () => {
    const items = [
      { artist: 'Björk', track: 'Jóga', timestamp: T0 - 600, album: 'Homogenic' },
      { artist: 'Sigur Rós', track: 'Hoppípolla', timestamp: T0 - 300 },
    ];
    const r = await scrobble(batch(items));
    expect(r.json.scrobbles['@attr']).toEqual({ ignored: 0, accepted: 2 });
    expect(r.json.scrobbles.scrobble[0].album).toEqual({ corrected: '0', '#text': 'Homogenic' });
    expect(r.json.scrobbles.scrobble[1].track['#text']).toBe('Hoppípolla');
    expect(b.emu.scrobbles('guest').map((s) => s.track)).toEqual(['Hoppípolla', 'Jóga']);
  });

  it('accepts parameters in the query string of a POST with an empty body', async () => {
    const r = await scrobble(
      { artist: 'A', track: 'T', timestamp: String(T0) },
      { queryOnly: true },
    );
    expect(r.json.scrobbles['@attr'].accepted).toBe(1);
  });

  it('accepts 50 items and refuses 51 with error 6', async () => {
    const items = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ artist: 'A', track: `T${i}`, timestamp: T0 - i }));
    expect((await scrobble(batch(items(50)))).json.scrobbles['@attr'].accepted).toBe(50);
    const r = await scrobble(batch(items(51)));
    expect(r.status).toBe(400);
    expect(r.json.error).toBe(6);
  });

  it('records a duplicate once but still answers it as accepted', async () => {
    const p = { artist: 'A', track: 'T', timestamp: String(T0 - 10) };
    await scrobble(p);
    const again = await scrobble(p);
    expect(again.json.scrobbles['@attr']).toEqual({ ignored: 0, accepted: 1 });
    expect(b.emu.scrobbles('guest')).toHaveLength(1);
  });

  it('ignores 14-day-old and future scrobbles with code "1" and empty text by default', async () => {
    const r = await scrobble(
      batch([
        { artist: 'A', track: 'old', timestamp: T0 - 14 * 86400 },
        { artist: 'A', track: 'edge', timestamp: T0 - 14 * 86400 + 1 },
        { artist: 'A', track: 'soon', timestamp: T0 + 300 },
        { artist: 'A', track: 'future', timestamp: T0 + 301 },
      ]),
    );
    const codes = codesOf(r);
    expect(codes).toEqual(['1', '0', '0', '1']);
    expect(r.json.scrobbles.scrobble[0].ignoredMessage['#text']).toBe('');
    expect(r.json.scrobbles['@attr']).toEqual({ ignored: 2, accepted: 2 });
    expect(b.emu.scrobbles('guest').map((s) => s.track)).toEqual(['soon', 'edge']);
  });

  it('uses the documented codes 3 and 4 with their texts under ignoredCodes "documented"', async () => {
    b.emu.setQuirks({ ignoredCodes: 'documented', futureToleranceSec: 0 });
    const r = await scrobble(
      batch([
        { artist: 'A', track: 'old', timestamp: T0 - 20 * 86400 },
        { artist: 'A', track: 'future', timestamp: T0 + 1 },
      ]),
    );
    expect(
      (r.json.scrobbles.scrobble as { ignoredMessage: unknown }[]).map((s) => s.ignoredMessage),
    ).toEqual([
      { code: '3', '#text': 'Timestamp was too old' },
      { code: '4', '#text': 'Timestamp was too new' },
    ]);
  });

  it('refuses a GET with error 4 and a missing or bad session key with error 9', async () => {
    const p = { artist: 'A', track: 'T', timestamp: String(T0) };
    const get = await scrobble(p, { http: 'GET' });
    expect([get.status, get.json.error]).toEqual([403, 4]);
    const noSk = await call(b.emu, { method: 'track.scrobble', ...p }, { http: 'POST' });
    expect(noSk.json).toEqual({
      message: 'Invalid session key - Please re-authenticate',
      error: 9,
    });
    const badSk = await call(
      b.emu,
      { method: 'track.scrobble', sk: 'x'.repeat(32), ...p },
      { http: 'POST' },
    );
    expect([badSk.status, badSk.json.error]).toEqual([403, 9]);
  });

  it('refuses a write without a signature with error 13', async () => {
    const r = await call(
      b.emu,
      { method: 'track.scrobble', sk, artist: 'A', track: 'T', timestamp: String(T0) },
      { http: 'POST', signed: false },
    );
    expect([r.status, r.json.error]).toEqual([400, 13]);
    expect(b.emu.scrobbles('guest')).toEqual([]);
  });

  it('refuses an item without a timestamp with error 6', async () => {
    const r = await scrobble({ artist: 'A', track: 'T' });
    expect([r.status, r.json.error]).toEqual([400, 6]);
  });
});

describe('daily scrobble cap', () => {
  const three = (day: number) =>
    batch([0, 1, 2].map((i) => ({ artist: 'A', track: `T${day}-${i}`, timestamp: T0 - 100 + i })));

  it('ignores items over the cap with code 5 and resets the next UTC day', async () => {
    b.emu.setQuirks({ dailyScrobbleCap: 2 });
    const r = await scrobble(three(1));
    const codes = codesOf(r);
    expect(codes).toEqual(['0', '0', '5']);
    await b.clock.advance(DAY_MS);
    const next = await scrobble(
      batch([{ artist: 'A', track: 'next day', timestamp: T0 + 86400 - 100 }]),
    );
    expect(next.json.scrobbles['@attr'].accepted).toBe(1);
  });

  it('refuses the whole request with HTTP 429 / error 29 in "error" mode, recording nothing', async () => {
    b.emu.setQuirks({ dailyScrobbleCap: 2, dailyCapMode: 'error' });
    const r = await scrobble(three(1));
    expect(r.status).toBe(429);
    expect(r.json).toEqual({
      message:
        'Rate Limit Exceeded - Too many scrobbles in a short period. Please try again later.',
      error: 29,
    });
    expect(b.emu.scrobbles('guest')).toEqual([]);
  });
});

describe('track.updateNowPlaying', () => {
  const recent = async () =>
    (await call(b.emu, { method: 'user.getRecentTracks', user: 'guest' })).json.recenttracks
      .track as { '@attr'?: unknown; date?: { uts: string } }[];

  it('answers the real shape and shows the row in getRecentTracks until its duration ends', async () => {
    const r = await call(
      b.emu,
      {
        method: 'track.updateNowPlaying',
        sk,
        artist: 'DJ Snake',
        track: 'Let Me Love You',
        album: 'Encore',
        duration: '120',
      },
      { http: 'POST' },
    );
    expect(r.json).toEqual({
      nowplaying: {
        artist: { corrected: '0', '#text': 'DJ Snake' },
        track: { corrected: '0', '#text': 'Let Me Love You' },
        ignoredMessage: { code: '0', '#text': '' },
        albumArtist: { corrected: '0', '#text': '' },
        album: { corrected: '0', '#text': 'Encore' },
      },
    });
    expect((await recent())[0]!['@attr']).toEqual({ nowplaying: 'true' });
    await b.clock.advance(2 * MINUTE_MS);
    expect(await recent()).toEqual([]);
  });

  it('lasts the default 10 minutes without a duration', async () => {
    await call(
      b.emu,
      { method: 'track.updateNowPlaying', sk, artist: 'A', track: 'T' },
      { http: 'POST' },
    );
    await b.clock.advance(10 * MINUTE_MS - 1000);
    expect(await recent()).toHaveLength(1);
    await b.clock.advance(1000);
    expect(await recent()).toHaveLength(0);
  });

  it('is cleared by a later scrobble of the same track', async () => {
    await call(
      b.emu,
      { method: 'track.updateNowPlaying', sk, artist: 'A', track: 'T' },
      { http: 'POST' },
    );
    await scrobble({ artist: 'A', track: 'T', timestamp: String(T0) });
    const rows = await recent();
    expect(rows).toHaveLength(1);
    expect(rows[0]!['@attr']).toBeUndefined();
    expect(rows[0]!.date?.uts).toBe(String(T0));
  });
});
