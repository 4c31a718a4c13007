import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLastfmClient } from './client.js';
import { isTransientNetworkError, networkErrorCode, undiciTransport } from './transport.js';
import { USER_INFO } from './test-support/fixtures.js';

const ORIGIN = 'https://ws.audioscrobbler.com';
let agent: MockAgent | undefined;

function mockAgent(): MockAgent {
  const a = new MockAgent();
  a.disableNetConnect();
  agent = a;
  return a;
}

afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

describe('undiciTransport (through a mock dispatcher, no socket)', () => {
  it('sends a GET with headers and returns status and body, also for errors', async () => {
    const a = mockAgent();
    a.get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/2.0/?method=user.getInfo'), method: 'GET' })
      .reply(404, '{"error":6,"message":"User not found"}', {
        headers: { 'content-type': 'application/json' },
      });
    const res = await undiciTransport(a)({
      method: 'GET',
      url: `${ORIGIN}/2.0/?method=user.getInfo&user=ghost`,
      headers: { 'user-agent': 'Lasso/test' },
      signal: new AbortController().signal,
    });
    expect(res).toEqual({ status: 404, body: '{"error":6,"message":"User not found"}' });
  });

  it('lets the default client reach the default API URL through a given dispatcher', async () => {
    const a = mockAgent();
    let seenBody = '';
    a.get(ORIGIN)
      .intercept({
        path: '/2.0/',
        method: 'POST',
        body: (b) => ((seenBody = b), true),
        headers: { 'user-agent': /^Lasso\// },
      })
      .reply(200, JSON.stringify(USER_INFO));
    const client = createLastfmClient({ apiKey: 'k', apiSecret: 's', dispatcher: a });
    const info = await client.getUserInfo({ sessionKey: 'sk-value' });
    expect(info.name).toBe('maya_plays');
    expect(new URLSearchParams(seenBody).get('sk')).toBe('sk-value');
  });

  it('turns a refused connection into a retryable LastfmError', async () => {
    const a = mockAgent();
    a.get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/2.0/'), method: 'GET' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const client = createLastfmClient({
      apiKey: 'k',
      apiSecret: 's',
      dispatcher: a,
      maxReadRetries: 0,
    });
    await expect(client.getTrackInfo('Cher', 'Believe')).rejects.toMatchObject({
      kind: 'retryable',
      message: 'track.getInfo: network failure ECONNREFUSED',
    });
  });
});

describe('network error codes', () => {
  it('finds the code on the error or on its cause', () => {
    const inner = Object.assign(new Error('x'), { code: 'ECONNRESET' });
    expect(networkErrorCode(inner)).toBe('ECONNRESET');
    expect(networkErrorCode(new TypeError('fetch failed', { cause: inner }))).toBe('ECONNRESET');
    expect(networkErrorCode(new Error('plain'))).toBeNull();
  });

  it('treats I/O failures as transient and argument mistakes as not', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EAI_AGAIN', 'UND_ERR_SOCKET']) {
      expect(isTransientNetworkError(Object.assign(new Error(), { code }))).toBe(true);
    }
    expect(isTransientNetworkError(Object.assign(new Error(), { code: 'ERR_INVALID_URL' }))).toBe(
      false,
    );
  });
});
