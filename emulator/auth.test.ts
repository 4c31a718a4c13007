import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../lib/clock.js';
import type { Booted } from './test-support/kit.js';
import { boot, call, CALLBACK, control, KEY, sessionFor, sign } from './test-support/kit.js';

let b: Booted;
beforeEach(async () => {
  b = await boot({ users: ['maya', 'leo'] });
});
afterEach(() => b.emu.close());

/** Submits the consent form as a browser would. */
function submit(fields: Record<string, string>): Promise<Response> {
  return fetch(b.emu.authUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** The hidden inputs and choices of the consent page. */
async function consentPage(query: string): Promise<{ status: number; html: string }> {
  const res = await fetch(`${b.emu.authUrl}?${query}`);
  return { status: res.status, html: await res.text() };
}

function getSession(token: string) {
  return call(b.emu, { method: 'auth.getSession', token }, { signed: true });
}

describe('the consent page', () => {
  it('lists users in the order they were created and pre-selects the first only', async () => {
    await b.emu.close();
    b = await boot({ users: ['demo_guest', 'alex', 'sam', 'demo_host'] });
    const page = await consentPage(`api_key=${KEY}&cb=${encodeURIComponent(CALLBACK)}`);
    const radios = [
      ...page.html.matchAll(/<input type="radio" name="user" value="([^"]+)"( checked)?>/g),
    ];
    expect(radios.map((m) => m[1])).toEqual(['demo_guest', 'alex', 'sam', 'demo_host']);
    expect(radios.map((m) => m[2] !== undefined)).toEqual([true, false, false, false]);
  });
});

describe('web sign-in', () => {
  it('goes from the consent page through the redirect to a working, revocable session key', async () => {
    const cb = 'http://app.test/cb';
    const page = await consentPage(`api_key=${KEY}&cb=${encodeURIComponent(cb)}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<form method="post" action="/api/auth/">');
    expect(page.html).toContain('<input type="radio" name="user" value="leo"');
    expect(page.html).toContain('Allow access');
    expect(page.html).not.toContain('<script');

    const res = await submit({ api_key: KEY, cb, user: 'leo', action: 'allow' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(cb);
    const token = location.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const session = await getSession(token);
    expect(session.status).toBe(200);
    expect(session.json.session).toMatchObject({ name: 'leo', subscriber: 0 });
    const sk = session.json.session.key as string;
    expect(sk).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const np = { method: 'track.updateNowPlaying', sk, artist: 'A', track: 'T' };
    expect((await call(b.emu, np, { http: 'POST' })).status).toBe(200);
    expect(b.emu.revoke('leo', KEY)).toBe(1);
    const after = await call(b.emu, np, { http: 'POST' });
    expect([after.status, after.json.error]).toEqual([403, 9]);
  });

  it('appends &token= to a callback that already has a query string', async () => {
    const res = await submit({
      api_key: KEY,
      cb: 'http://app.test/cb?state=xyz',
      user: 'maya',
      action: 'allow',
    });
    expect(res.headers.get('location')).toMatch(
      /^http:\/\/app\.test\/cb\?state=xyz&token=[A-Za-z0-9_-]{32}$/,
    );
  });

  it('uses the registered callback when cb is absent', async () => {
    const res = await submit({ api_key: KEY, user: 'maya', action: 'allow' });
    expect(res.headers.get('location')).toMatch(new RegExp(`^${CALLBACK}\\?token=`));
  });

  it('creates a user typed into the form', async () => {
    const res = await submit({ api_key: KEY, new_user: 'newbie', action: 'allow' });
    const token = new URL(res.headers.get('location')!).searchParams.get('token')!;
    expect((await getSession(token)).json.session.name).toBe('newbie');
    expect(b.emu.user('newbie').name).toBe('newbie');
  });

  it('grants nothing on "No thanks"', async () => {
    const res = await submit({ api_key: KEY, user: 'maya', action: 'deny' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You did not allow access');
  });

  it('shows an error page for an unknown api_key', async () => {
    const page = await consentPage('api_key=nope&cb=http://app.test/cb');
    expect(page.status).toBe(400);
    expect(page.html).toContain('Invalid API key');
  });
});

describe('tokens', () => {
  it('is single use: a second getSession with the same token gets error 4', async () => {
    const token = b.emu.approve(KEY, 'maya');
    expect((await getSession(token)).status).toBe(200);
    const again = await getSession(token);
    expect(again.status).toBe(403);
    expect(again.json).toEqual({ message: 'Invalid authentication token supplied', error: 4 });
  });

  it('answers reuse with 15 under consumedTokenCode 15', async () => {
    b.emu.setQuirks({ consumedTokenCode: 15 });
    const token = b.emu.approve(KEY, 'maya');
    await getSession(token);
    expect((await getSession(token)).json.error).toBe(15);
  });

  it('expires 60 minutes after it was granted', async () => {
    const token = b.emu.approve(KEY, 'maya');
    await b.clock.advance(60 * MINUTE_MS);
    const r = await getSession(token);
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ message: 'This token has expired', error: 15 });
  });

  it('is still good just before 60 minutes', async () => {
    const token = b.emu.approve(KEY, 'maya');
    await b.clock.advance(60 * MINUTE_MS - 1000);
    expect((await getSession(token)).status).toBe(200);
  });

  it('rejects an unknown token with 4 and an unsigned getSession with 13', async () => {
    expect((await getSession('A'.repeat(32))).json.error).toBe(4);
    const token = b.emu.approve(KEY, 'maya');
    const r = await call(b.emu, { method: 'auth.getSession', token }, { signed: false });
    expect([r.status, r.json.error]).toEqual([400, 13]);
  });

  it('accepts an uppercase-hex signature', async () => {
    const token = b.emu.approve(KEY, 'maya');
    const p = { method: 'auth.getSession', token, api_key: KEY };
    const r = await call(b.emu, { ...p, api_sig: sign(p).toUpperCase() });
    expect(r.json.session.name).toBe('maya');
  });
});

describe('desktop flow', () => {
  it('gives 14 for an unapproved getToken token, then a session once approved on the page', async () => {
    const t = await call(b.emu, { method: 'auth.getToken' }, { signed: true });
    const token = t.json.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const early = await getSession(token);
    expect([early.status, early.json]).toEqual([
      403,
      { message: 'This token has not yet been authorised', error: 14 },
    ]);

    const page = await consentPage(`api_key=${KEY}&token=${token}`);
    expect(page.html).toContain(`name="token" value="${token}"`);
    const res = await submit({ api_key: KEY, token, user: 'maya', action: 'allow' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You may close this window');
    expect((await getSession(token)).json.session.name).toBe('maya');
  });

  it('refuses auth.getToken without a signature', async () => {
    const r = await call(b.emu, { method: 'auth.getToken' }, { signed: false });
    expect(r.json.error).toBe(13);
  });
});

describe('revocation', () => {
  it('only revokes the named app and user', async () => {
    await control(b.emu, 'POST', '/apps', { api_key: 'other', secret: 's2' });
    const sk = await sessionFor(b.emu, 'maya');
    const leoSk = await sessionFor(b.emu, 'leo');
    expect(b.emu.revoke('maya', 'other')).toBe(0);
    const r = await control(b.emu, 'POST', '/users/maya/revoke', { api_key: KEY });
    expect(r.json).toEqual({ revoked: 1 });
    const info = (key: string) =>
      call(b.emu, { method: 'user.getInfo', sk: key }, { signed: true });
    expect((await info(sk)).json.error).toBe(9);
    expect((await info(leoSk)).json.user.name).toBe('leo');
  });
});
