/**
 * `user.getRecentTracks` through the client against the emulator: paging past 200 while the user
 * is now playing, `from`/`to` under both inclusivity quirks, the single-object `track` quirk, and
 * the private and unknown users, and a private user reading their own history with their key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scrobble } from '../../lastfm/types.js';
import type { ScrobbleBody } from '../../emulator/types.js';
import { API_KEY, T0, failureOf, guardErrorMessages, startRig, type Rig } from './harness.js';

guardErrorMessages();

let rig: Rig;

beforeEach(async () => {
  rig = await startRig();
});

afterEach(async () => {
  await rig.close();
});

/** `n` scrobbles a minute apart ending at T0, oldest first; artist and track vary. */
function history(n: number): ScrobbleBody[] {
  return Array.from({ length: n }, (_, i) => ({
    artist: `Artist ${i % 7}`,
    track: `Track ${i}`,
    album: i % 3 === 0 ? '' : `Album ${i % 5}`,
    timestamp: T0 - (n - 1 - i) * 60,
  }));
}

const NOW_PLAYING = { artist: 'Stereolab', track: 'French Disko', album: 'Jenny Ondioline' };

function keyOf(s: { timestamp: number; artist: string; track: string }): string {
  return `${s.timestamp}|${s.artist}|${s.track}`;
}

function plain(s: Scrobble): ScrobbleBody {
  return { artist: s.artist, track: s.track, album: s.album, timestamp: s.timestamp };
}

/** The raw `recenttracks.track` value the emulator sends, to check a quirk is really on. */
async function rawTrackField(user: string): Promise<unknown> {
  const q = new URLSearchParams({
    method: 'user.getRecentTracks',
    user,
    api_key: API_KEY,
    format: 'json',
  });
  const res = await fetch(`${rig.emu.apiUrl}?${q.toString()}`);
  const body = (await res.json()) as { recenttracks: { track: unknown } };
  return body.recenttracks.track;
}

describe('paging past 200', () => {
  it.each([
    { nowPlayingOnEveryPage: true, label: 'on every page' },
    { nowPlayingOnEveryPage: false, label: 'on page 1 only' },
  ])(
    'returns all 450 scrobbles newest first, once each, with the now-playing row $label set apart',
    async ({ nowPlayingOnEveryPage }) => {
      rig.emu.setQuirks({ nowPlayingOnEveryPage });
      rig.emu.createUser('paula');
      const rows = history(450);
      expect(rig.emu.addScrobble('paula', rows)).toBe(450);
      rig.emu.setNowPlaying('paula', NOW_PLAYING);

      const got = await rig.client().getRecentTracks({ user: 'paula', allPages: true });

      expect(got.scrobbles.map(plain)).toEqual([...rows].reverse());
      expect(new Set(got.scrobbles.map(keyOf)).size).toBe(450);
      expect(got.nowPlaying).toMatchObject(NOW_PLAYING);
      expect(got.total).toBe(450);
      expect(rig.emu.calls().by_method['user.getRecentTracks']).toBe(3);
    },
  );

  it('does not repeat rows pushed onto the next page by a scrobble arriving mid-paging', async () => {
    rig.emu.createUser('paula');
    const rows = history(450);
    rig.emu.addScrobble('paula', rows);
    let pages = 0;
    const client = rig.client({
      onCall: () => {
        pages += 1;
        // Between page 1 and page 2 the user scrobbles: every older row moves down by one.
        if (pages === 1) {
          rig.emu.addScrobble('paula', { artist: 'Late', track: 'Arrival', timestamp: T0 + 60 });
        }
      },
    });
    const got = await client.getRecentTracks({ user: 'paula', allPages: true });
    expect(got.scrobbles.map(plain)).toEqual([...rows].reverse());
    expect(pages).toBe(3);
  });

  it('gives an empty history as no scrobbles and no now-playing row', async () => {
    rig.emu.createUser('newbie');
    const got = await rig.client().getRecentTracks({ user: 'newbie', allPages: true });
    expect(got).toMatchObject({ scrobbles: [], nowPlaying: null, total: 0 });
  });
});

describe('from / to', () => {
  const B = T0 - 3600;
  /** Scrobbles at B-60, B, B+60, B+120, B+180: the bounds B and B+120 each hit one exactly. */
  const rows: ScrobbleBody[] = [-60, 0, 60, 120, 180].map((d) => ({
    artist: 'Broadcast',
    track: `At ${d}`,
    album: '',
    timestamp: B + d,
  }));

  it.each([
    { fromInclusive: true, toInclusive: false, expected: [60, 0] },
    { fromInclusive: true, toInclusive: true, expected: [120, 60, 0] },
    { fromInclusive: false, toInclusive: false, expected: [60] },
    { fromInclusive: false, toInclusive: true, expected: [120, 60] },
  ])(
    'with fromInclusive=$fromInclusive and toInclusive=$toInclusive returns exactly the rows inside',
    async ({ fromInclusive, toInclusive, expected }) => {
      rig.emu.setQuirks({ fromInclusive, toInclusive });
      rig.emu.createUser('bounded');
      rig.emu.addScrobble('bounded', rows);
      const got = await rig
        .client()
        .getRecentTracks({ user: 'bounded', from: B, to: B + 120, allPages: true });
      expect(got.scrobbles.map((s) => s.timestamp - B)).toEqual(expected);
      expect(got.total).toBe(expected.length);
    },
  );
});

describe('the single-object track quirk', () => {
  beforeEach(() => {
    rig.emu.setQuirks({ singleTrackAsObject: true });
  });

  it('reads a lone scrobble sent as a bare object', async () => {
    rig.emu.createUser('solo');
    const row = { artist: 'Low', track: 'Words', album: 'I Could Live in Hope', timestamp: T0 };
    rig.emu.addScrobble('solo', row);
    expect(Array.isArray(await rawTrackField('solo'))).toBe(false);
    const got = await rig.client().getRecentTracks({ user: 'solo' });
    expect(got.scrobbles.map(plain)).toEqual([row]);
    expect(got.nowPlaying).toBeNull();
  });

  it('reads a lone now-playing row sent as a bare object, and no scrobble from it', async () => {
    rig.emu.createUser('listening');
    rig.emu.setNowPlaying('listening', NOW_PLAYING);
    expect(Array.isArray(await rawTrackField('listening'))).toBe(false);
    const got = await rig.client().getRecentTracks({ user: 'listening', allPages: true });
    expect(got.scrobbles).toEqual([]);
    expect(got.nowPlaying).toMatchObject(NOW_PLAYING);
  });
});

describe('users that cannot be read', () => {
  it('classifies a private user as private (error 17)', async () => {
    rig.emu.createUser({ name: 'hidden', private: true });
    const err = await failureOf(rig.client().getRecentTracks({ user: 'hidden' }));
    expect(err).toMatchObject({ kind: 'private', code: 17, httpStatus: 403 });
    // Only the listening is hidden: the profile still reads.
    await expect(rig.client().getUserInfo('hidden')).resolves.toMatchObject({ name: 'hidden' });
  });

  it("lets a private user read their own history with their session key, and no one else's", async () => {
    const key = await rig.sessionFor('hidden');
    rig.emu.setPrivate('hidden', true);
    rig.emu.addScrobble('hidden', {
      artist: 'Broadcast',
      track: 'Tears in the Typing Pool',
      timestamp: T0 - 60,
    });
    const client = rig.client();
    const own = await client.getRecentTracks({ user: 'hidden', allPages: true, sessionKey: key });
    expect(own.scrobbles.map((s) => [s.artist, s.timestamp])).toEqual([['Broadcast', T0 - 60]]);
    const unsigned = await failureOf(client.getRecentTracks({ user: 'hidden' }));
    expect(unsigned).toMatchObject({ kind: 'private', code: 17 });
    const otherKey = await rig.sessionFor('nosy');
    const other = await failureOf(client.getRecentTracks({ user: 'hidden', sessionKey: otherKey }));
    expect(other).toMatchObject({ kind: 'private', code: 17 });
  });

  it('classifies an unknown user as user_not_found on both reads', async () => {
    const client = rig.client();
    const recent = await failureOf(client.getRecentTracks({ user: 'nobody_here' }));
    expect(recent).toMatchObject({ kind: 'user_not_found', code: 6, httpStatus: 404 });
    const info = await failureOf(client.getUserInfo('nobody_here'));
    expect(info).toMatchObject({ kind: 'user_not_found', code: 6, httpStatus: 404 });
  });

  it('is not retried: a private or unknown user costs one call each', async () => {
    rig.emu.createUser({ name: 'hidden', private: true });
    const client = rig.client();
    await failureOf(client.getRecentTracks({ user: 'hidden' }));
    await failureOf(client.getRecentTracks({ user: 'nobody_here' }));
    expect(rig.emu.calls().by_method['user.getRecentTracks']).toBe(2);
  });
});
