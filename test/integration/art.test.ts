/**
 * The emulator's generated pictures through the client: it keeps the largest size Last.fm lists
 * (extralarge, 300×300), so the feed and the host's avatar get a large image, and that URL serves
 * an SVG a browser can show.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { T0, guardErrorMessages, startRig, type Rig } from './harness.js';

guardErrorMessages();

let rig: Rig;
beforeEach(async () => {
  rig = await startRig({ users: ['maya'] });
});
afterEach(() => rig.close());

it('gives the 300×300 album art of scrobbles and now playing, and the avatar of a user', async () => {
  rig.emu.addScrobble('maya', {
    artist: 'Björk',
    track: 'Jóga',
    album: 'Homogenic',
    timestamp: T0,
  });
  rig.emu.setNowPlaying('maya', {
    artist: 'Khruangbin',
    track: 'María También',
    album: 'Con Todo El Mundo',
  });
  const client = rig.client();
  const recent = await client.getRecentTracks({ user: 'maya' });
  const info = await client.getUserInfo('maya');
  const urls = [recent.scrobbles[0]?.imageUrl, recent.nowPlaying?.imageUrl, info.imageUrl];
  for (const url of urls) {
    expect(url).toMatch(new RegExp(`^${rig.emu.publicUrl}/art/300x300/[A-Za-z0-9_-]+\\.svg$`));
    const res = await fetch(url!);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(await res.text()).toContain('width="300" height="300"');
  }
  expect(new Set(urls).size).toBe(3);
});
