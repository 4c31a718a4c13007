/**
 * The sign-in dance and session keys, client against emulator over real sockets: consent page,
 * callback, token exchange, authenticated calls, revocation, and the token and key failures.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import { allowAccess, startCallbackServer, type CallbackServer } from './browser.js';
import { API_KEY, T0, failureOf, guardErrorMessages, startRig, type Rig } from './harness.js';

guardErrorMessages();

let rig: Rig;
let callback: CallbackServer;

beforeEach(async () => {
  rig = await startRig({ users: ['maya', 'someone_else'] });
  callback = await startCallbackServer();
});

afterEach(async () => {
  await rig.close();
  await callback.close();
});

const SCROBBLE = {
  artist: 'Helium',
  track: 'Vibrations',
  album: 'The Dirt of Luck',
  timestamp: T0,
};

describe('the sign-in dance', () => {
  it('takes a browser from the consent page to a working session key, until it is revoked', async () => {
    const client = rig.client();
    // A callback that already has a query string: the token must be appended with "&".
    const cb = `${callback.url}?next=%2Fguests`;
    const outcome = await allowAccess(client.authUrl(cb), 'maya');
    expect(outcome.postStatus).toBe(303);
    expect(outcome.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/auth\/callback\?next=/);
    expect(outcome.landedStatus).toBe(200);
    expect(callback.hits).toHaveLength(1);
    const query = callback.hits[0]!;
    expect(query.get('next')).toBe('/guests');
    const token = query.get('token');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const session = await client.getSession(token!);
    expect(session.name).toBe('maya');
    expect(session.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(session.subscriber).toBe(false);

    const me = await client.getUserInfo({ sessionKey: session.key });
    expect(me.name).toBe('maya');

    const result = await client.scrobble(session.key, [SCROBBLE]);
    expect(result).toMatchObject({ accepted: 1, ignored: 0 });
    expect(rig.emu.scrobbles('maya')).toEqual([SCROBBLE]);

    expect(rig.emu.revoke('maya', API_KEY)).toBe(1);
    const later = { ...SCROBBLE, track: 'Pat’s Trick', timestamp: T0 - 300 };
    const revoked = await failureOf(client.scrobble(session.key, [later]));
    expect(revoked).toMatchObject({ kind: 'auth_revoked', code: 9, httpStatus: 403 });
    const revokedRead = await failureOf(client.getUserInfo({ sessionKey: session.key }));
    expect(revokedRead).toMatchObject({ kind: 'auth_revoked', code: 9 });
    expect(rig.emu.scrobbles('maya')).toEqual([SCROBBLE]);
  });

  it('refuses a token that was already exchanged with fatal error 4', async () => {
    const client = rig.client();
    await allowAccess(client.authUrl(callback.url), 'maya');
    const token = callback.hits[0]!.get('token')!;
    await client.getSession(token);
    const reused = await failureOf(client.getSession(token));
    expect(reused).toMatchObject({ kind: 'fatal', code: 4, httpStatus: 403 });
  });

  it('refuses a token older than 60 minutes with fatal error 15', async () => {
    const client = rig.client();
    const token = rig.emu.approve(API_KEY, 'maya');
    await rig.clock.advance(61 * MINUTE_MS);
    const expired = await failureOf(client.getSession(token));
    expect(expired).toMatchObject({ kind: 'fatal', code: 15, httpStatus: 403 });
  });

  it('still exchanges a token 59 minutes old', async () => {
    const client = rig.client();
    const token = rig.emu.approve(API_KEY, 'maya');
    await rig.clock.advance(59 * MINUTE_MS);
    await expect(client.getSession(token)).resolves.toMatchObject({ name: 'maya' });
  });

  it('grants nothing when the browser clicks "No thanks"', async () => {
    const client = rig.client();
    const page = await fetch(client.authUrl(callback.url));
    expect(page.status).toBe(200);
    await page.text();
    const denied = await fetch(rig.emu.authUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: API_KEY,
        cb: callback.url,
        user: 'maya',
        action: 'deny',
      }),
      redirect: 'manual',
    });
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain('did not allow access');
    expect(callback.hits).toHaveLength(0);
  });
});

describe('credentials the emulator refuses', () => {
  it('answers an unknown api key with fatal error 10', async () => {
    rig.emu.addScrobble('maya', SCROBBLE);
    const client = rig.client({ apiKey: '0123456789abcdef0123456789abcdef' });
    const err = await failureOf(client.getRecentTracks({ user: 'maya' }));
    expect(err).toMatchObject({ kind: 'fatal', code: 10, httpStatus: 403 });
  });

  it('answers a signature made with the wrong secret with fatal error 13', async () => {
    const wrong = rig.client({ apiSecret: 'not-the-shared-secret' });
    const token = rig.emu.approve(API_KEY, 'maya');
    const err = await failureOf(wrong.getSession(token));
    expect(err).toMatchObject({ kind: 'fatal', code: 13, httpStatus: 400 });
    // The token was not consumed by the refused call.
    await expect(rig.client().getSession(token)).resolves.toMatchObject({ name: 'maya' });
  });

  it('refuses a scrobble signed with the wrong secret, and records nothing', async () => {
    const sk = await rig.sessionFor('maya');
    const wrong = rig.client({ apiSecret: 'not-the-shared-secret' });
    const err = await failureOf(wrong.scrobble(sk, [SCROBBLE]));
    expect(err).toMatchObject({ kind: 'fatal', code: 13 });
    expect(rig.emu.scrobbles('maya')).toEqual([]);
  });

  it("refuses another user's revocation only for that user", async () => {
    const maya = await rig.sessionFor('maya');
    const other = await rig.sessionFor('someone_else');
    rig.emu.revoke('someone_else', API_KEY);
    const client = rig.client();
    await expect(client.scrobble(maya, [SCROBBLE])).resolves.toMatchObject({ accepted: 1 });
    const err = await failureOf(client.scrobble(other, [SCROBBLE]));
    expect(err.kind).toBe('auth_revoked');
  });
});
