/**
 * The remaining methods and the emulator's quirk switches, read by the client: each setting the
 * Last.fm docs leave open (docs/lastfm.md, "Open points") must still come out of the client as the
 * same typed value or error kind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../lib/clock.js';
import { API_KEY, T0, failureOf, guardErrorMessages, startRig, type Rig } from './harness.js';

guardErrorMessages();

let rig: Rig;

beforeEach(async () => {
  rig = await startRig();
});

afterEach(async () => {
  await rig.close();
});

const ITEM = { artist: 'Mazzy Star', track: 'Fade Into You', album: 'So Tonight', timestamp: T0 };

describe('user.getInfo and track.getInfo', () => {
  it('reads a profile with its registration time and play count', async () => {
    rig.emu.createUser('maya');
    rig.emu.addScrobble('maya', [ITEM, { ...ITEM, timestamp: T0 - 400 }]);
    const info = await rig.client().getUserInfo('maya');
    expect(info).toMatchObject({ name: 'maya', playcount: 2, registeredAt: T0, subscriber: false });
  });

  it('reads a known duration in ms, and refuses an unknown track as fatal (not a user)', async () => {
    rig.emu.registerTrack({ artist: 'Mazzy Star', track: 'Fade Into You', duration_s: 295 });
    const client = rig.client();
    const known = await client.getTrackInfo('mazzy star', 'fade into you');
    expect(known.durationMs).toBe(295_000);
    const err = await failureOf(client.getTrackInfo('Nobody', 'Nothing'));
    expect(err).toMatchObject({ kind: 'fatal', code: 6, httpStatus: 400 });
  });
});

describe('now playing and ignored scrobbles', () => {
  it('sends a now-playing update that then shows as the now-playing row', async () => {
    const sk = await rig.sessionFor('maya');
    const client = rig.client();
    const np = { artist: 'Low', track: 'Lullaby', album: 'I Could Live in Hope', duration: 600 };
    await expect(client.updateNowPlaying(sk, np)).resolves.toEqual({
      accepted: true,
      ignoredCode: 0,
    });
    const got = await client.getRecentTracks({ user: 'maya' });
    expect(got.nowPlaying).toMatchObject({ artist: 'Low', track: 'Lullaby' });
    expect(got.scrobbles).toEqual([]);
  });

  it.each([
    { ignoredCodes: 'faithful', old: 1, future: 1 },
    { ignoredCodes: 'documented', old: 3, future: 4 },
  ] as const)(
    'reports too old and too new items as not accepted ($ignoredCodes codes)',
    async ({ ignoredCodes, old, future }) => {
      rig.emu.setQuirks({ ignoredCodes });
      const sk = await rig.sessionFor('maya');
      const result = await rig
        .client()
        .scrobble(sk, [
          ITEM,
          { ...ITEM, track: 'Old', timestamp: T0 - 14 * 24 * 3600 },
          { ...ITEM, track: 'Future', timestamp: T0 + 301 },
        ]);
      expect(result).toMatchObject({ accepted: 1, ignored: 2 });
      expect(result.items.map((i) => [i.accepted, i.ignoredCode])).toEqual([
        [true, 0],
        [false, old],
        [false, future],
      ]);
      expect(rig.emu.scrobbles('maya')).toEqual([ITEM]);
    },
  );

  it('reports items over the daily cap with code 5 in ignore mode', async () => {
    rig.emu.setQuirks({ dailyScrobbleCap: 1, dailyCapMode: 'ignore' });
    const sk = await rig.sessionFor('maya');
    const result = await rig
      .client()
      .scrobble(sk, [ITEM, { ...ITEM, track: 'Blue Light', timestamp: T0 - 300 }]);
    expect(result.items.map((i) => i.ignoredCode)).toEqual([0, 5]);
  });

  it('classifies a refused batch over the daily cap in error mode as rate limited', async () => {
    rig.emu.setQuirks({ dailyScrobbleCap: 1, dailyCapMode: 'error' });
    const sk = await rig.sessionFor('maya');
    const client = rig.client();
    const two = [ITEM, { ...ITEM, track: 'Blue Light', timestamp: T0 - 300 }];
    const err = await failureOf(client.scrobble(sk, two));
    expect(err).toMatchObject({ kind: 'retryable', code: 29, httpStatus: 429 });
    expect(err.rateLimited).toBe(true);
    expect(rig.emu.scrobbles('maya')).toEqual([]);
    // The next UTC day has a fresh cap.
    await rig.clock.advance(DAY_MS);
    await expect(client.scrobble(sk, [ITEM])).resolves.toMatchObject({ accepted: 1 });
  });

  it('refuses a batch of 51 before sending anything', async () => {
    const sk = await rig.sessionFor('maya');
    const items = Array.from({ length: 51 }, (_, i) => ({ ...ITEM, timestamp: T0 - i }));
    const err = await failureOf(rig.client().scrobble(sk, items));
    expect(err.kind).toBe('fatal');
    expect(rig.emu.calls().by_method['track.scrobble']).toBeUndefined();
  });
});

describe('wire quirks', () => {
  it('classifies errors by their body when every error comes with HTTP 200', async () => {
    rig.emu.setQuirks({ errorsWithHttp200: true, errorLinks: true });
    rig.emu.createUser({ name: 'hidden', private: true });
    const client = rig.client();
    const priv = await failureOf(client.getRecentTracks({ user: 'hidden' }));
    expect(priv).toMatchObject({ kind: 'private', code: 17, httpStatus: 200 });
    const missing = await failureOf(client.getRecentTracks({ user: 'nobody_here' }));
    expect(missing).toMatchObject({ kind: 'user_not_found', code: 6, httpStatus: 200 });
    const badKey = await failureOf(
      rig.client({ apiKey: 'ffffffffffffffffffffffffffffffff' }).getUserInfo('hidden'),
    );
    expect(badKey).toMatchObject({ kind: 'fatal', code: 10 });
  });

  it('reads a session whose subscriber flag is the string "0"', async () => {
    rig.emu.setQuirks({ sessionSubscriberAsString: true });
    rig.emu.createUser('maya');
    const session = await rig.client().getSession(rig.emu.approve(API_KEY, 'maya'));
    expect(session).toMatchObject({ name: 'maya', subscriber: false });
  });

  it('classifies a reused token as fatal 15 when Last.fm answers reuse that way', async () => {
    rig.emu.setQuirks({ consumedTokenCode: 15 });
    rig.emu.createUser('maya');
    const client = rig.client();
    const token = rig.emu.approve(API_KEY, 'maya');
    await client.getSession(token);
    const err = await failureOf(client.getSession(token));
    expect(err).toMatchObject({ kind: 'fatal', code: 15 });
  });

  it('reads names with slashes the same with and without escaped slashes', async () => {
    rig.emu.createUser('slash');
    const row = { artist: 'AC/DC', track: 'If You Want Blood / Live', album: '', timestamp: T0 };
    rig.emu.addScrobble('slash', row);
    for (const escapeSlashes of [true, false]) {
      rig.emu.setQuirks({ escapeSlashes });
      const got = await rig.client().getRecentTracks({ user: 'slash' });
      expect(got.scrobbles).toMatchObject([row]);
    }
  });
});
