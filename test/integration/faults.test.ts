/**
 * Injected faults and the emulator's rate limit, seen through the client: every fault maps to the
 * right error kind, reads are retried within the cap, writes are sent exactly once (a dropped
 * scrobble is recorded although the client saw an error: the case the engine must reconcile),
 * and a 429 is backed off on the shared ManualClock until the read goes through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../lib/clock.js';
import type { LastfmCallEvent } from '../../lastfm/caller.js';
import type { EmulatorOptions, FaultCode } from '../../emulator/types.js';
import { driveUntilSettled } from './drive.js';
import { T0, failureOf, guardErrorMessages, startRig, type Rig } from './harness.js';

guardErrorMessages();

let rig: Rig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const ROW = { artist: 'Slowdive', track: 'Alison', album: 'Souvlaki', timestamp: T0 - 600 };
const ALL_FAULTS: FaultCode[] = [8, 11, 16, 29, 500, 502, 503, 'timeout', 'drop'];
const ITEM = { artist: 'Ride', track: 'Vapour Trail', album: 'Nowhere', timestamp: T0 - 300 };

/** A rig whose user `reader` has one scrobble. */
async function rigWithReader(opts: EmulatorOptions = {}): Promise<Rig> {
  rig = await startRig(opts);
  rig.emu.createUser('reader');
  rig.emu.addScrobble('reader', ROW);
  return rig;
}

describe('every fault maps to its error kind', () => {
  it.each([
    { fault: 8, status: 500 },
    { fault: 11, status: 503 },
    { fault: 16, status: 503 },
    { fault: 29, status: 429 },
  ] as const)('Last.fm error $fault (HTTP $status) is retryable', async ({ fault, status }) => {
    const r = await rigWithReader();
    r.emu.setFaults({ rate: 1, codes: [fault] });
    const err = await failureOf(
      r.client({ maxReadRetries: 0 }).getRecentTracks({ user: 'reader' }),
    );
    expect(err).toMatchObject({ kind: 'retryable', code: fault, httpStatus: status });
    expect(err.rateLimited).toBe(fault === 29);
    expect(r.emu.calls().log.map((c) => c.fault)).toEqual([fault]);
  });

  it.each([500, 502, 503] as const)(
    'a bare HTML page with HTTP %i is retryable',
    async (status) => {
      const r = await rigWithReader();
      r.emu.setFaults({ rate: 1, codes: [status] });
      const err = await failureOf(
        r.client({ maxReadRetries: 0 }).getRecentTracks({ user: 'reader' }),
      );
      expect(err).toMatchObject({ kind: 'retryable', code: 0, httpStatus: status });
    },
  );

  it('an answer held past the client timeout is retryable', async () => {
    const r = await rigWithReader();
    r.emu.setFaults({ rate: 1, codes: ['timeout'] });
    const client = r.client({ maxReadRetries: 0, timeoutMs: 150 });
    const err = await failureOf(client.getRecentTracks({ user: 'reader' }));
    expect(err).toMatchObject({ kind: 'retryable', code: 0, httpStatus: null });
    expect(err.message).toContain('no answer within 150 ms');
  });

  it('a connection the emulator closes after its own faultTimeoutMs is retryable', async () => {
    const r = await rigWithReader({ faultTimeoutMs: 2 * SECOND_MS });
    r.emu.setFaults({ rate: 1, codes: ['timeout'] });
    const client = r.client({ maxReadRetries: 0 });
    const err = await failureOf(
      driveUntilSettled(r.clock, client.getRecentTracks({ user: 'reader' })),
    );
    expect(err).toMatchObject({ kind: 'retryable', code: 0, httpStatus: null });
    expect(r.clock.now()).toBeGreaterThanOrEqual(T0 * 1000 + 2 * SECOND_MS);
  });

  it('a dropped read is retryable', async () => {
    const r = await rigWithReader();
    r.emu.setFaults({ rate: 1, codes: ['drop'] });
    const err = await failureOf(
      r.client({ maxReadRetries: 0 }).getRecentTracks({ user: 'reader' }),
    );
    expect(err).toMatchObject({ kind: 'retryable', httpStatus: null });
  });

  it('a dropped scrobble is recorded by Last.fm although the client saw a retryable error', async () => {
    const r = await rigWithReader();
    const sk = await r.sessionFor('writer');
    r.emu.setFaults({ rate: 1, codes: ['drop'], methods: ['track.scrobble'] });
    const err = await failureOf(r.client().scrobble(sk, [ITEM]));
    expect(err).toMatchObject({ kind: 'retryable', httpStatus: null });
    expect(r.emu.scrobbles('writer')).toEqual([ITEM]);
    expect(r.emu.calls().by_method['track.scrobble']).toBe(1);
  });
});

describe('writes are never retried', () => {
  it.each(ALL_FAULTS)('a scrobble that meets fault %s is sent once', async (fault) => {
    const r = await rigWithReader();
    const sk = await r.sessionFor('writer');
    r.emu.setFaults({ rate: 1, codes: [fault], methods: ['track.scrobble'] });
    const err = await failureOf(
      r.client({ timeoutMs: 150, maxReadRetries: 5 }).scrobble(sk, [ITEM]),
    );
    expect(err.kind).toBe('retryable');
    expect(r.emu.calls().by_method['track.scrobble']).toBe(1);
    // Only a lost answer leaves the scrobble behind; every refused one records nothing.
    expect(r.emu.scrobbles('writer')).toEqual(fault === 'drop' ? [ITEM] : []);
  });

  it('a now-playing update that meets a fault is sent once', async () => {
    const r = await rigWithReader();
    const sk = await r.sessionFor('writer');
    r.emu.setFaults({ rate: 1, codes: [503], methods: ['track.updateNowPlaying'] });
    const err = await failureOf(r.client().updateNowPlaying(sk, ITEM));
    expect(err.kind).toBe('retryable');
    expect(r.emu.calls().by_method['track.updateNowPlaying']).toBe(1);
  });
});

describe('reads through faults', () => {
  it('succeed within the retry cap when half of all calls fail (seeded)', async () => {
    // Seed 15 draws every fault kind, at most 3 in a row over these reads: exactly the cap.
    const maxReadRetries = 3;
    const r = await rigWithReader({ faultTimeoutMs: 2 * SECOND_MS });
    r.emu.setFaults({ rate: 0.5, codes: ALL_FAULTS, seed: 15 });
    const attempts: LastfmCallEvent[] = [];
    // A held answer ends when the driven clock passes faultTimeoutMs, long before this real timeout.
    const client = r.client({ maxReadRetries, timeoutMs: 5_000, onCall: (e) => attempts.push(e) });
    const READS = 12;
    for (let i = 0; i < READS; i++) {
      const got = await driveUntilSettled(r.clock, client.getRecentTracks({ user: 'reader' }));
      expect(got.scrobbles).toHaveLength(1);
    }
    const { log } = r.emu.calls();
    const faults = log.flatMap((c) => (c.fault === undefined ? [] : [c.fault]));
    expect(new Set(faults)).toEqual(new Set(ALL_FAULTS));
    // Every faulted call was retried once, and nothing else was sent.
    expect(log).toHaveLength(READS + faults.length);
    expect(attempts.filter((a) => a.error === null)).toHaveLength(READS);
    expect(Math.max(...attempts.map((a) => a.attempt))).toBe(maxReadRetries);
  });
});

describe("the emulator's rate limit", () => {
  it('answers 429 / error 29 once the budget is spent, and the client backs off until it passes', async () => {
    const r = await rigWithReader({ rateLimit: { perSecond: 1, windowSec: 2 } });
    const client = r.client({ maxReadRetries: 3 });
    for (let i = 0; i < 3; i++) {
      const got = await driveUntilSettled(r.clock, client.getRecentTracks({ user: 'reader' }));
      expect(got.scrobbles).toHaveLength(1);
    }
    const statuses = r.emu.calls().log.map((c) => c.status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 429]);
    expect(statuses.at(-1)).toBe(200);
    // Rate-limited back-off starts at 2.5–5 s on the shared clock.
    expect(r.clock.now() - T0 * 1000).toBeGreaterThanOrEqual(2_500);
  });

  it('lets a burst of concurrent reads all succeed after their 429s', async () => {
    const r = await rigWithReader({ rateLimit: { perSecond: 1, windowSec: 2 } });
    const client = r.client({ maxReadRetries: 4 });
    const reads = Array.from({ length: 5 }, () => client.getRecentTracks({ user: 'reader' }));
    const all = await driveUntilSettled(r.clock, Promise.all(reads));
    expect(all.every((g) => g.scrobbles.length === 1)).toBe(true);
    const log = r.emu.calls().log;
    // How many 429s depends on how the sockets interleave with the clock; at least one is certain.
    const limited = log.filter((c) => c.status === 429).length;
    expect(limited).toBeGreaterThanOrEqual(1);
    expect(log.filter((c) => c.status === 200)).toHaveLength(5);
    expect(log).toHaveLength(5 + limited);
  });
});
