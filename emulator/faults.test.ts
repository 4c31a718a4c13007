import { afterEach, describe, expect, it } from 'vitest';
import { flushEventLoop, SECOND_MS } from '../lib/clock.js';
import type { Booted } from './test-support/kit.js';
import { boot, call, control, sessionFor, T0 } from './test-support/kit.js';
import type { FaultCode } from './types.js';

let b: Booted;
afterEach(() => b.emu.close());

const recent = () => call(b.emu, { method: 'user.getRecentTracks', user: 'maya' });

describe('faults', () => {
  const lastfmFaults: [FaultCode, number, string][] = [
    [8, 500, 'Operation failed - Most likely the backend service failed. Please try again.'],
    [11, 503, 'Service Offline - This service is temporarily offline. Try again later.'],
    [16, 503, 'The service is temporarily unavailable, please try again.'],
  ];
  it.each(lastfmFaults)('answers error %s with HTTP %i', async (code, status, message) => {
    b = await boot({ users: ['maya'] });
    b.emu.setFaults({ rate: 1, codes: [code] });
    const r = await recent();
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ message, error: code });
  });

  it('answers error 29 with HTTP 429 and the long rate-limit message', async () => {
    b = await boot({ users: ['maya'] });
    b.emu.setFaults({ rate: 1, codes: [29] });
    const r = await recent();
    expect(r.status).toBe(429);
    expect(r.json.message).toMatch(
      /^Rate Limit Exceeded - This application has made too many requests/,
    );
  });

  it('answers an HTTP 502 with a non-JSON page', async () => {
    b = await boot({ users: ['maya'] });
    await control(b.emu, 'POST', '/faults', { rate: 1, codes: [502] });
    const r = await recent();
    expect(r.status).toBe(502);
    expect(r.json).toBeUndefined();
    expect(r.text).toContain('502 Bad Gateway');
  });

  it('drops the answer to a scrobble after recording it', async () => {
    b = await boot({ users: ['guest'] });
    const sk = await sessionFor(b.emu, 'guest');
    b.emu.setFaults({ rate: 1, codes: ['drop'], methods: ['TRACK.SCROBBLE'] });
    const send = call(
      b.emu,
      { method: 'track.scrobble', sk, artist: 'A', track: 'T', timestamp: String(T0) },
      { http: 'POST' },
    );
    await expect(send).rejects.toThrow();
    expect(b.emu.scrobbles('guest')).toEqual([
      { artist: 'A', track: 'T', album: '', timestamp: T0 },
    ]);
    const log = b.emu.calls().log.at(-1)!;
    expect(log).toMatchObject({
      method: 'track.scrobble',
      user: 'guest',
      status: 0,
      fault: 'drop',
      answered_at: T0 * 1000,
    });
  });

  it('drops a read without answering, and leaves unlisted methods alone', async () => {
    b = await boot({ users: ['maya'] });
    b.emu.setFaults({ rate: 1, codes: ['drop'], methods: ['user.getRecentTracks'] });
    await expect(recent()).rejects.toThrow();
    expect((await call(b.emu, { method: 'user.getInfo', user: 'maya' })).status).toBe(200);
  });

  it('holds a "timeout" until the client gives up, applying nothing', async () => {
    b = await boot({ users: ['guest'] });
    const sk = await sessionFor(b.emu, 'guest');
    b.emu.setFaults({ rate: 1, codes: ['timeout'] });
    const abort = new AbortController();
    const send = call(
      b.emu,
      { method: 'track.scrobble', sk, artist: 'A', track: 'T', timestamp: String(T0) },
      { http: 'POST', signal: abort.signal },
    );
    for (let i = 0; i < 20 && b.clock.pending === 0; i++) await flushEventLoop();
    expect(b.clock.pending).toBe(1); // held on the emulator's clock
    // Logged on arrival, not answered yet.
    expect(b.emu.calls().log.at(-1)).toMatchObject({ fault: 'timeout', answered_at: null });
    await b.clock.advance(2 * SECOND_MS);
    abort.abort();
    await expect(send).rejects.toThrow();
    for (let i = 0; i < 20 && b.clock.pending > 0; i++) await flushEventLoop();
    expect(b.clock.pending).toBe(0); // released when the socket closed
    expect(b.emu.scrobbles('guest')).toEqual([]);
    expect(b.emu.calls().log.at(-1)).toMatchObject({ answered_at: T0 * 1000 + 2 * SECOND_MS });
  });

  it('ends a held "timeout" by closing the connection after faultTimeoutMs', async () => {
    b = await boot({ users: ['maya'], faultTimeoutMs: 30 * SECOND_MS });
    b.emu.setFaults({ rate: 1, codes: ['timeout'] });
    const outcome = recent().then(
      () => 'answered',
      () => 'connection closed',
    );
    for (let i = 0; i < 20 && b.clock.pending === 0; i++) await flushEventLoop();
    await b.clock.advance(30 * SECOND_MS);
    expect(await outcome).toBe('connection closed');
  });

  it('repeats the same fault sequence from the same seed', async () => {
    b = await boot({ users: ['maya'] });
    const run = async () => {
      b.emu.setFaults({ rate: 0.5, codes: [11, 16], seed: 42 });
      const statuses: string[] = [];
      for (let i = 0; i < 12; i++) statuses.push(String((await recent()).json.error ?? 'ok'));
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('stops faulting after DELETE /_emulator/faults', async () => {
    b = await boot({ users: ['maya'] });
    b.emu.setFaults({ rate: 1, codes: [11] });
    expect((await control(b.emu, 'DELETE', '/faults')).status).toBe(204);
    expect((await recent()).status).toBe(200);
  });
});

describe('per-IP rate limit', () => {
  it('answers 429 / error 29 over the budget and refills on the emulator clock', async () => {
    b = await boot({ users: ['maya'], rateLimit: { perSecond: 1, windowSec: 3 } });
    for (let i = 0; i < 3; i++) expect((await recent()).status).toBe(200);
    const limited = await recent();
    expect(limited.status).toBe(429);
    expect(limited.json.error).toBe(29);
    expect(limited.json.message).toContain('https://www.last.fm/api/tos#4.4');
    await b.clock.advance(SECOND_MS);
    expect((await recent()).status).toBe(200);
    expect((await recent()).status).toBe(429);
  });

  it('is off in instant mode', async () => {
    b = await boot({ users: ['maya'], rateLimit: { perSecond: 1, windowSec: 1 }, instant: true });
    for (let i = 0; i < 5; i++) expect((await recent()).status).toBe(200);
  });
});
