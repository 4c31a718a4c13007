import { afterEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../lib/clock.js';
import type { Booted, Reply } from './test-support/kit.js';
import { boot, call, control, KEY, T0 } from './test-support/kit.js';
import type { Quirks } from './types.js';

let b: Booted;
afterEach(() => b.emu.close());

/** An emulator with `maya` holding scrobbles at T0-300, T0-200, T0-100, and the quirks given. */
async function withHistory(quirks: Partial<Quirks> = {}): Promise<void> {
  b = await boot({ users: ['maya'], quirks });
  b.emu.addScrobble(
    'maya',
    [300, 200, 100].map((ago) => ({ artist: 'A', track: `T${ago}`, timestamp: T0 - ago })),
  );
}

const recent = (extra: Record<string, string> = {}) =>
  call(b.emu, { method: 'user.getRecentTracks', user: 'maya', ...extra });
const names = (r: Reply) =>
  ([] as { name: string }[])
    .concat(r.json.recenttracks.track as { name: string }[])
    .map((t) => t.name);

describe('quirk switches', () => {
  it('singleTrackAsObject: an array of one by default, a bare object when on', async () => {
    await withHistory();
    expect(Array.isArray((await recent({ limit: '1' })).json.recenttracks.track)).toBe(true);
    await control(b.emu, 'PATCH', '/quirks', { singleTrackAsObject: true });
    const one = await recent({ limit: '1' });
    expect(one.json.recenttracks.track).toMatchObject({ name: 'T100' });
    expect(Array.isArray((await recent({ limit: '2' })).json.recenttracks.track)).toBe(true);
  });

  it('nowPlayingOnEveryPage: on every page by default, page 1 only when off', async () => {
    await withHistory();
    b.emu.setNowPlaying('maya', { artist: 'A', track: 'Live' });
    expect(names(await recent({ limit: '2', page: '2' }))).toEqual(['Live', 'T300']);
    b.emu.setQuirks({ nowPlayingOnEveryPage: false });
    expect(names(await recent({ limit: '2', page: '2' }))).toEqual(['T300']);
    expect(names(await recent({ limit: '2', page: '1' }))).toEqual(['Live', 'T100', 'T200']);
  });

  it('fromInclusive / toInclusive: [from, to) by default, (from, to] when flipped', async () => {
    await withHistory();
    const range = { from: String(T0 - 300), to: String(T0 - 100) };
    expect(names(await recent(range))).toEqual(['T200', 'T300']);
    b.emu.setQuirks({ fromInclusive: false, toInclusive: true });
    expect(names(await recent(range))).toEqual(['T100', 'T200']);
  });

  it('limitAbove200: error 6 by default, clamped to 200 when "clamp"', async () => {
    await withHistory({ limitAbove200: 'clamp' });
    const r = await recent({ limit: '500' });
    expect(r.status).toBe(200);
    expect(r.json.recenttracks['@attr'].perPage).toBe('200');
  });

  it('errorLinks: adds "links":[] to error bodies', async () => {
    await withHistory({ errorLinks: true });
    expect((await recent({ user: 'ghost' })).json).toEqual({
      message: 'User not found',
      error: 6,
      links: [],
    });
  });

  it('errorsWithHttp200: errors come with HTTP 200 and the error body', async () => {
    await withHistory({ errorsWithHttp200: true });
    const r = await recent({ user: 'ghost' });
    expect([r.status, r.json.error]).toEqual([200, 6]);
  });

  it('escapeSlashes: plain slashes when off', async () => {
    await withHistory({ escapeSlashes: false });
    const r = await recent();
    expect(r.text).toContain('https://www.last.fm/music/A/_/T100');
    expect(r.text).not.toContain('\\/');
  });

  it('sessionSubscriberAsString: session.subscriber "0" instead of 0', async () => {
    await withHistory({ sessionSubscriberAsString: true });
    const token = b.emu.approve(KEY, 'maya');
    const s = await call(b.emu, { method: 'auth.getSession', token }, { signed: true });
    expect(s.json.session.subscriber).toBe('0');
  });

  it('nowPlayingDefaultSec: how long a now-playing without duration lasts', async () => {
    await withHistory({ nowPlayingDefaultSec: 60 });
    b.emu.setNowPlaying('maya', { artist: 'A', track: 'Live' });
    await b.clock.advance(MINUTE_MS);
    expect(names(await recent())).toEqual(['T100', 'T200', 'T300']);
  });

  it('maxScrobbleAgeSec and futureToleranceSec move the ignore limits', async () => {
    await withHistory({ maxScrobbleAgeSec: 3600, futureToleranceSec: 0 });
    const sk = (
      await call(
        b.emu,
        { method: 'auth.getSession', token: b.emu.approve(KEY, 'maya') },
        { signed: true },
      )
    ).json.session.key as string;
    const r = await call(
      b.emu,
      {
        method: 'track.scrobble',
        sk,
        'artist[0]': 'A',
        'track[0]': 'hour old',
        'timestamp[0]': String(T0 - 3600),
        'artist[1]': 'A',
        'track[1]': 'minute old',
        'timestamp[1]': String(T0 - 60),
        'artist[2]': 'A',
        'track[2]': 'next second',
        'timestamp[2]': String(T0 + 1),
      },
      { http: 'POST' },
    );
    expect(r.json.scrobbles['@attr']).toEqual({ accepted: 1, ignored: 2 });
  });

  it('dailyScrobbleCap can be given as a top-level option', async () => {
    b = await boot({ dailyScrobbleCap: 7 });
    expect(b.emu.quirks().dailyScrobbleCap).toBe(7);
  });

  it('refuses a bad quirk at start', async () => {
    await expect(boot({ quirks: { dailyCapMode: 'never' as 'error' } })).rejects.toThrow(
      'dailyCapMode',
    );
    b = await boot();
  });
});
