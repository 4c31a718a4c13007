/**
 * What the client puts on the wire and in its errors: its User-Agent reaches Last.fm as
 * `Lasso/<version>`, secrets travel only in POST bodies, and no error message it throws quotes
 * the shared secret, a session key, a token or an api_sig, whatever went wrong.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import type { LastfmError } from '../../lastfm/errors.js';
import type { FaultCode } from '../../emulator/types.js';
import {
  API_KEY,
  API_SECRET,
  T0,
  failureOf,
  guardErrorMessages,
  leakedSecrets,
  startRig,
  type Rig,
} from './harness.js';
import { startRecordingProxy, type RecordingProxy } from './proxy.js';

guardErrorMessages();

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

let rig: Rig;
let proxy: RecordingProxy;

beforeEach(async () => {
  rig = await startRig({ users: ['maya'] });
  proxy = await startRecordingProxy(rig.emu.url);
});

afterEach(async () => {
  await rig.close();
  await proxy.close();
});

const ITEM = { artist: 'Cocteau Twins', track: 'Heaven or Las Vegas', timestamp: T0 - 120 };

describe('the User-Agent', () => {
  it('reaches Last.fm as Lasso/<package version> on reads, writes and auth calls', async () => {
    const client = rig.client({ apiUrl: proxy.apiUrl });
    const session = await client.getSession(rig.emu.approve(API_KEY, 'maya'));
    await client.scrobble(session.key, [ITEM]);
    await client.getRecentTracks({ user: 'maya' });
    await client.getUserInfo('maya');

    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(proxy.seen.map((r) => r.params.get('method'))).toEqual([
      'auth.getSession',
      'track.scrobble',
      'user.getRecentTracks',
      'user.getInfo',
    ]);
    expect(new Set(proxy.seen.map((r) => r.userAgent))).toEqual(new Set([`Lasso/${VERSION}`]));
    // And the emulator answered every one of them through the proxy.
    expect(rig.emu.calls().log.map((c) => c.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('secrets', () => {
  it('travel only in POST bodies, never in a URL', async () => {
    const client = rig.client({ apiUrl: proxy.apiUrl });
    const session = await client.getSession(rig.emu.approve(API_KEY, 'maya'));
    await client.scrobble(session.key, [ITEM]);
    await client.getUserInfo({ sessionKey: session.key });
    for (const r of proxy.seen.filter((s) => s.params.has('api_sig'))) {
      expect(r.method).toBe('POST');
    }
    expect(proxy.seen.filter((s) => s.params.has('api_sig'))).toHaveLength(3);
  });

  it('never appear in the message of any error, whatever failed', async () => {
    const client = rig.client({ apiUrl: proxy.apiUrl, maxReadRetries: 0 });
    // Only for the "timeout" fault: a short timeout elsewhere could fail a healthy call on a busy machine.
    const impatient = rig.client({ apiUrl: proxy.apiUrl, timeoutMs: 150, maxReadRetries: 0 });
    const wrongSecret = rig.client({ apiUrl: proxy.apiUrl, apiSecret: 'wrong-secret-value' });
    const token = rig.emu.approve(API_KEY, 'maya');
    const sk = (await client.getSession(token)).key;
    const errors: LastfmError[] = [];
    const fail = async (p: Promise<unknown>): Promise<void> => void errors.push(await failureOf(p));

    // Every kind of fault, on calls that carry the session key and an api_sig.
    const faults: FaultCode[] = [8, 11, 16, 29, 500, 502, 503, 'drop', 'timeout'];
    for (const fault of faults) {
      rig.emu.setFaults({ rate: 1, codes: [fault] });
      const c = fault === 'timeout' ? impatient : client;
      await fail(c.scrobble(sk, [ITEM]));
      await fail(c.getUserInfo({ sessionKey: sk }));
    }
    rig.emu.clearFaults();
    // Bad credentials, a consumed token, an expired token, then a revoked key.
    await fail(wrongSecret.scrobble(sk, [ITEM]));
    await fail(wrongSecret.getSession(rig.emu.approve(API_KEY, 'maya')));
    await fail(client.getSession(token));
    const late = rig.emu.approve(API_KEY, 'maya');
    await rig.clock.advance(61 * MINUTE_MS);
    await fail(client.getSession(late));
    rig.emu.revoke('maya', API_KEY);
    await fail(client.updateNowPlaying(sk, ITEM));
    await fail(client.scrobble(sk, [ITEM]));
    await fail(client.getUserInfo({ sessionKey: sk }));

    const sigs = proxy.seen.flatMap((r) => r.params.getAll('api_sig'));
    expect(sigs).toHaveLength(errors.length + 1);
    const secrets = [API_SECRET, sk, token, late, ...sigs];
    for (const { message } of errors) {
      expect(
        secrets.filter((s) => message.includes(s)),
        message,
      ).toEqual([]);
      expect(leakedSecrets(message), message).toEqual([]);
    }
  });
});
