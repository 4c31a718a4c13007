import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import type { LastfmCallEvent } from './caller.js';
import { LastfmError } from './errors.js';
import { createLocalRateLimiter } from './rate-limiter.js';
import { DEFAULT_BACKOFF } from './retry.js';
import {
  hang,
  json,
  netError,
  paramsOf,
  scriptedTransport,
  USER_INFO,
} from './test-support/fixtures.js';
import { API_SECRET, runToEnd, SESSION_KEY, testClient, TOKEN } from './test-support/client.js';
import type { HttpRequest, HttpResponse } from './transport.js';
import type { LastfmApi } from './types.js';

const OFFLINE = json(503, { error: 11, message: 'Service Offline' });
const item = { artist: 'Björk', track: 'Jóga', timestamp: 1700000000 };

/** A transport answer that records the clock time of the request. */
function at(clock: ManualClock, times: number[], res: HttpResponse) {
  return async (_req: HttpRequest) => {
    times.push(clock.now());
    return res;
  };
}

describe('retries of reads', () => {
  it('retries a retryable read up to the cap with growing jittered delays, then fails', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const { transport, requests } = scriptedTransport(
      ...Array.from({ length: 4 }, () => at(clock, times, OFFLINE)),
    );
    const { client } = testClient(transport, { clock, maxReadRetries: 3 });
    const { error } = await runToEnd(client.getUserInfo('maya_plays'), clock);
    expect(error).toMatchObject({ kind: 'retryable', code: 11, httpStatus: 503 });
    expect(requests).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    gaps.forEach((gap, attempt) => {
      const ceiling = DEFAULT_BACKOFF.baseMs * 2 ** attempt;
      expect(gap).toBeGreaterThanOrEqual(ceiling / 2);
      expect(gap).toBeLessThanOrEqual(ceiling);
    });
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
  });

  it('succeeds when a retry succeeds, after a reset connection and a timeout-like 16', async () => {
    const clock = new ManualClock(0);
    const { transport, requests } = scriptedTransport(
      netError('ECONNRESET', 'read ECONNRESET'),
      json(200, { error: 16, message: 'There was a temporary error' }),
      json(200, USER_INFO),
    );
    const { client } = testClient(transport, { clock });
    const { value } = await runToEnd(client.getUserInfo('maya_plays'), clock);
    expect(value?.playcount).toBe(138223);
    expect(requests).toHaveLength(3);
  });

  it('retries a read signed with a session key like any read', async () => {
    const clock = new ManualClock(0);
    const empty = {
      recenttracks: { '@attr': { page: '1', perPage: '200', totalPages: '0', total: '0' } },
    };
    const { transport, requests } = scriptedTransport(OFFLINE, json(200, empty));
    const { client } = testClient(transport, { clock });
    const read = client.getRecentTracks({ user: 'maya_plays', sessionKey: SESSION_KEY });
    const { value } = await runToEnd(read, clock);
    expect(value?.scrobbles).toEqual([]);
    expect(requests.map((r) => [r.method, paramsOf(r).sk])).toEqual([
      ['POST', SESSION_KEY],
      ['POST', SESSION_KEY],
    ]);
  });

  it('backs off longer after a rate-limit answer (29 / HTTP 429)', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const { transport } = scriptedTransport(
      at(clock, times, json(429, { error: 29, message: 'Rate Limit Exceeded' })),
      at(clock, times, json(200, USER_INFO)),
    );
    const { client } = testClient(transport, { clock });
    await runToEnd(client.getUserInfo('maya_plays'), clock);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.rateLimitedBaseMs / 2);
  });

  it('does not retry errors that are not retryable', async () => {
    const answers: Array<[HttpResponse, string]> = [
      [json(404, { error: 6, message: 'User not found' }), 'user_not_found'],
      [json(403, { error: 17, message: 'Login: User required to be logged in' }), 'private'],
      [json(403, { error: 10, message: 'Invalid API key' }), 'fatal'],
      [json(200, { user: { nope: true } }), 'fatal'],
    ];
    for (const [answer, kind] of answers) {
      const { transport, requests } = scriptedTransport(answer);
      const { client, clock } = testClient(transport);
      const { error } = await runToEnd(client.getUserInfo('ghost'), clock);
      expect(error).toMatchObject({ kind });
      expect(requests).toHaveLength(1);
    }
  });

  it('asks the rate limiter before every attempt, retries included', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const { transport } = scriptedTransport(
      at(clock, times, OFFLINE),
      at(clock, times, json(200, USER_INFO)),
    );
    let acquired = 0;
    const rateLimiter = { acquire: async () => void acquired++ };
    const { client } = testClient(transport, { clock, rateLimiter });
    await runToEnd(client.getUserInfo('maya_plays'), clock);
    expect(acquired).toBe(2);
  });

  it('paces calls through the default limiter at the configured rate', async () => {
    const clock = new ManualClock(0);
    const times: number[] = [];
    const { transport } = scriptedTransport(
      ...Array.from({ length: 3 }, () => at(clock, times, json(200, USER_INFO))),
    );
    const rateLimiter = createLocalRateLimiter({ requestsPerSecond: 4, clock });
    const { client } = testClient(transport, { clock, rateLimiter });
    const all = Promise.all([1, 2, 3].map(() => client.getUserInfo('maya_plays')));
    await runToEnd(all, clock);
    expect(times).toEqual([0, 250, 500]);
  });
});

describe('writes and auth.getSession are sent once', () => {
  const failures: Array<[string, HttpResponse | Error]> = [
    ['HTTP 503 error 11', OFFLINE],
    ['error 16 with 200', json(200, { error: 16, message: 'temporary' })],
    ['429 error 29', json(429, { error: 29, message: 'Too many scrobbles' })],
    ['an HTML 502', { status: 502, body: '<html>Bad Gateway</html>' }],
    ['ECONNREFUSED', netError('ECONNREFUSED')],
    ['ECONNRESET', netError('ECONNRESET')],
  ];
  for (const [name, failure] of failures) {
    it(`sends track.scrobble, updateNowPlaying and getSession once on ${name}`, async () => {
      const calls = [
        (c: LastfmApi): Promise<unknown> => c.scrobble(SESSION_KEY, [item]),
        (c: LastfmApi): Promise<unknown> => c.updateNowPlaying(SESSION_KEY, item),
        (c: LastfmApi): Promise<unknown> => c.getSession(TOKEN),
      ];
      for (const call of calls) {
        const { transport, requests } = scriptedTransport(failure, json(200, {}));
        const { client, clock } = testClient(transport);
        const { error } = await runToEnd(call(client), clock);
        expect(error).toMatchObject({ kind: 'retryable' });
        expect(requests).toHaveLength(1);
        expect(clock.pending).toBe(0);
      }
    });
  }
});

describe('network failures and timeouts', () => {
  it('maps refused and reset connections, also wrapped as fetch does, to retryable', async () => {
    const wrapped = Object.assign(new TypeError('fetch failed'), {
      cause: netError('ECONNREFUSED'),
    });
    for (const err of [netError('ECONNREFUSED'), netError('ECONNRESET'), wrapped]) {
      const { transport } = scriptedTransport(err);
      const { client } = testClient(transport, { maxReadRetries: 0 });
      await expect(client.getTrackInfo('Cher', 'Believe')).rejects.toMatchObject({
        kind: 'retryable',
        code: 0,
        httpStatus: null,
      });
    }
  });

  it('maps a malformed URL to fatal', async () => {
    const { transport } = scriptedTransport(
      Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }),
    );
    const { client } = testClient(transport);
    await expect(client.getTrackInfo('Cher', 'Believe')).rejects.toMatchObject({ kind: 'fatal' });
  });

  it('gives up on an attempt after timeoutMs with a retryable error', async () => {
    const { transport } = scriptedTransport(hang());
    const { client } = testClient(transport, { timeoutMs: 20, maxReadRetries: 0 });
    const err = (await client.getUserInfo('maya_plays').catch((e: unknown) => e)) as LastfmError;
    expect(err).toBeInstanceOf(LastfmError);
    expect(err).toMatchObject({ kind: 'retryable', code: 0 });
    expect(err.message).toMatch(/no answer within 20 ms/);
  });

  it('rejects with the caller abort reason, not a LastfmError, and stops retrying', async () => {
    const { transport, requests } = scriptedTransport(hang(), json(200, USER_INFO));
    const { client } = testClient(transport);
    const ctl = new AbortController();
    const reason = new Error('shutting down');
    const pending = client.getUserInfo('maya_plays', ctl.signal);
    setImmediate(() => ctl.abort(reason));
    await expect(pending).rejects.toBe(reason);
    expect(requests).toHaveLength(1);
  });

  it('stops waiting during a back-off when aborted', async () => {
    const { transport, requests } = scriptedTransport(OFFLINE, json(200, USER_INFO));
    const { client, clock } = testClient(transport);
    const ctl = new AbortController();
    const pending = client.getUserInfo('maya_plays', ctl.signal);
    const outcome = pending.catch((e: unknown) => e);
    while (clock.pending === 0) await new Promise((r) => setImmediate(r));
    ctl.abort(new Error('stop'));
    expect(await outcome).toMatchObject({ message: 'stop' });
    expect(requests).toHaveLength(1);
  });
});

describe('secrets', () => {
  /** Answers that quote everything the request carried, as a hostile or buggy server might. */
  const echo = (status: number) => async (req: HttpRequest) => {
    const all = Object.values(paramsOf(req)).join(' ');
    return json(status, { error: 4, message: `bad request: ${all} ${API_SECRET}` });
  };
  const echoNet = async (req: HttpRequest): Promise<HttpResponse> => {
    throw Object.assign(new Error(`connect ECONNREFUSED ${req.url} ${req.body ?? ''}`), {
      code: 'ECONNREFUSED',
    });
  };
  const shapes = [echo(200), echo(403), echoNet];

  it('never puts the secret, session key, token or api_sig in an error message', async () => {
    const events: LastfmCallEvent[] = [];
    for (const answer of shapes) {
      const calls = [
        (c: LastfmApi): Promise<unknown> => c.getSession(TOKEN),
        (c: LastfmApi): Promise<unknown> => c.scrobble(SESSION_KEY, [item]),
        (c: LastfmApi): Promise<unknown> => c.updateNowPlaying(SESSION_KEY, item),
        (c: LastfmApi): Promise<unknown> => c.getUserInfo({ sessionKey: SESSION_KEY }),
        (c: LastfmApi): Promise<unknown> =>
          c.getRecentTracks({ user: 'maya_plays', sessionKey: SESSION_KEY }),
      ];
      for (const call of calls) {
        const { transport, requests } = scriptedTransport(answer);
        const { client, clock } = testClient(transport, {
          maxReadRetries: 0,
          onCall: (e) => events.push(e),
        });
        const { error } = await runToEnd(call(client), clock);
        expect(error).toBeInstanceOf(LastfmError);
        const sig = paramsOf(requests[0]!).api_sig!;
        expect(sig).toMatch(/^[0-9a-f]{32}$/);
        const text = `${String(error)} ${(error as Error).stack} ${JSON.stringify(error)}`;
        for (const secret of [API_SECRET, SESSION_KEY, TOKEN, sig]) {
          expect(text).not.toContain(secret);
        }
      }
    }
    for (const e of events) expect(JSON.stringify(e)).not.toContain(SESSION_KEY);
  });

  it('keeps a shape error of auth.getSession free of the session key it received', async () => {
    const body = { session: { name: 'x', key: SESSION_KEY, subscriber: 'yes' } };
    const { transport } = scriptedTransport(json(200, body));
    const { client } = testClient(transport);
    const err = (await client.getSession(TOKEN).catch((e: unknown) => e)) as LastfmError;
    expect(err).toMatchObject({ kind: 'fatal', code: 0 });
    expect(err.message).toMatch(/session\.subscriber/);
    expect(err.message).not.toContain(SESSION_KEY);
  });
});
