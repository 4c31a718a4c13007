import { afterEach, expect, it } from 'vitest';
import { parseConsentForm } from '../test/integration/browser.js';
import { loadConfig } from './config.js';
import { DEMO_HOST, startDemo, type Demo } from './demo.js';

let demo: Demo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

/** `url` on 127.0.0.1, where the test's emulator listens whatever name the browser would use. */
function onLoopback(url: string): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  return u.toString();
}

it('offers the guests first on the sign-in page, pre-selects a guest and never the host', async () => {
  const config = loadConfig({
    ENVIRONMENT: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_URL: 'http://localhost:8080',
  });
  demo = await startDemo(config);
  const authUrl = `${demo.config.lastfm.authUrl}?api_key=${demo.config.lastfm.apiKey}&cb=${encodeURIComponent('http://localhost:8080/api/auth/callback')}`;
  const html = await (await fetch(onLoopback(authUrl))).text();
  expect(parseConsentForm(html, authUrl).users).toEqual(['demo_guest', 'alex', 'sam', DEMO_HOST]);
  expect(html).toContain('<input type="radio" name="user" value="demo_guest" checked>');
  expect(html.match(/ checked/g)).toHaveLength(1);
});

it('links its pictures and sign-in page on PUBLIC_URL’s host name, with the emulator’s port', async () => {
  const config = loadConfig({
    ENVIRONMENT: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_URL: 'http://localhost:8080',
  });
  demo = await startDemo(config);
  const emulator = new URL(demo.emulatorUrl);
  expect(emulator.hostname).toBe('localhost');
  expect(demo.config.lastfm.authUrl).toBe(`${demo.emulatorUrl}/api/auth/`);
  const q = new URLSearchParams({
    method: 'user.getInfo',
    user: DEMO_HOST,
    api_key: demo.config.lastfm.apiKey!,
    format: 'json',
  });
  const info = (await (await fetch(`${demo.config.lastfm.apiUrl}?${q.toString()}`)).json()) as {
    user: { image: { '#text': string }[] };
  };
  const avatar = info.user.image.at(-1)!['#text'];
  expect(avatar.startsWith(`${demo.emulatorUrl}/art/300x300/`)).toBe(true);
  const res = await fetch(onLoopback(avatar));
  expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
});
