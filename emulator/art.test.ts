import { afterEach, describe, expect, it } from 'vitest';
import { artImages, artSvg, initials } from './art.js';
import type { Booted } from './test-support/kit.js';
import { boot, call, T0 } from './test-support/kit.js';

describe('generated pictures', () => {
  it('takes initials from the first words, letters and digits only, any script', () => {
    expect(initials('Con Todo El Mundo', 2)).toBe('CT');
    expect(initials('Takk...', 2)).toBe('T');
    expect(initials('坂本龍一', 2)).toBe('坂');
    expect(initials('"Heroes"', 2)).toBe('H');
    expect(initials('maya_plays', 1)).toBe('M');
    expect(initials('...', 2)).toBe('');
  });

  it('draws the same picture for the same subject and another for another, without script', () => {
    const a = artSvg({ kind: 'album', artist: 'Björk', album: 'Homogenic' }, 300);
    expect(artSvg({ kind: 'album', artist: 'Björk', album: 'Homogenic' }, 300)).toBe(a);
    expect(artSvg({ kind: 'album', artist: 'Björk', album: 'Post' }, 300)).not.toBe(a);
    expect(a).toContain('width="300" height="300"');
    expect(a).toContain('>H</text>');
    const tricky = artSvg({ kind: 'album', artist: '<script>', album: '</svg><script>x' }, 34);
    expect(tricky).not.toMatch(/<script|style=/);
  });

  it('lists the four Last.fm sizes, small to extralarge, under the base URL', () => {
    const images = artImages('http://localhost:8081', { kind: 'user', name: 'sam' });
    expect(images.map((i) => i.size)).toEqual(['small', 'medium', 'large', 'extralarge']);
    expect(images.map((i) => i['#text'].replace(/[^/]+\.svg$/, ''))).toEqual([
      'http://localhost:8081/art/34s/',
      'http://localhost:8081/art/64s/',
      'http://localhost:8081/art/174s/',
      'http://localhost:8081/art/300x300/',
    ]);
  });
});

describe('pictures over HTTP', () => {
  let b: Booted;
  afterEach(() => b.emu.close());

  it('links album art in recent tracks and an avatar in user.getInfo, and serves them as SVG', async () => {
    b = await boot({ users: ['maya'] });
    b.emu.addScrobble('maya', {
      artist: 'Björk',
      track: 'Jóga',
      album: 'Homogenic',
      timestamp: T0,
    });
    b.emu.setNowPlaying('maya', { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk...' });
    const recent = await call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });
    const rows = recent.json.recenttracks.track as Array<{ image: { '#text': string }[] }>;
    expect(rows).toHaveLength(2);
    const info = await call(b.emu, { method: 'user.getInfo', user: 'maya' });
    const urls = [...rows.map((r) => r.image), info.json.user.image as { '#text': string }[]].map(
      (images) => images.at(-1)!['#text'],
    );
    for (const url of urls) {
      expect(url.startsWith(`${b.emu.url}/art/300x300/`), url).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
      expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
      expect(await res.text()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="300"/);
    }
    // Now playing (first row): Takk... → "T"; the scrobble: Homogenic → "H"; the user: "M".
    const labels = await Promise.all(
      urls.map(async (u) => /([^>]*)<\/text>/.exec(await (await fetch(u)).text())?.[1]),
    );
    expect(labels).toEqual(['T', 'H', 'M']);
  });

  it('links pictures on the public host name when given one', async () => {
    b = await boot({ host: '127.0.0.1', publicHost: 'localhost', users: ['maya'] });
    expect(b.emu.publicUrl).toBe(`http://localhost:${b.emu.port}`);
    const info = await call(b.emu, { method: 'user.getInfo', user: 'maya' });
    expect(info.json.user.image[3]['#text']).toMatch(
      new RegExp(`^http://localhost:${b.emu.port}/art/300x300/[A-Za-z0-9_-]+\\.svg$`),
    );
  });

  it('answers 404 for a picture it cannot have made, 405 for a write', async () => {
    b = await boot();
    for (const path of ['/art/300x300/!!.svg', '/art/12s/WyJ1c2VyIiwiYSJd.svg', '/art/x']) {
      expect((await fetch(`${b.emu.url}${path}`)).status, path).toBe(404);
    }
    const ok = `${b.emu.url}/art/64s/${Buffer.from('["user","a"]').toString('base64url')}.svg`;
    expect((await fetch(ok)).status).toBe(200);
    expect((await fetch(ok, { method: 'POST' })).status).toBe(405);
  });
});
