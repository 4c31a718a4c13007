/**
 * Shared set-up of the integration tests: the real Last.fm client (`lastfm/`) against the real
 * emulator (`emulator/`) over a loopback socket, both on one ManualClock. Every client the tests
 * build is watched: each error it throws is kept, and each session key and token it handles is
 * remembered, so `guardErrorMessages()` can check at the end of a file that no secret leaked into
 * an error message.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { seededRandom } from '../../lib/random.js';
import { createLastfmClient, type LastfmClientOptions } from '../../lastfm/client.js';
import { LastfmError } from '../../lastfm/errors.js';
import type { LastfmApi, NowPlayingInput, RateLimiter, ScrobbleInput } from '../../lastfm/types.js';
import { startEmulator, type EmulatorHandle } from '../../emulator/server.js';
import type { EmulatorOptions } from '../../emulator/types.js';

/** The test application's key (not a secret: it goes in URLs). */
export const API_KEY = 'b25b959554ed76058ac220b7b2e0a026';
/** The shared secret: must never appear in an error message. */
export const API_SECRET = 'integration-shared-secret-7f3c';
/** 2026-01-05 18:00:00 UTC, in ms: where every test's clock starts. */
export const T0_MS = Date.UTC(2026, 0, 5, 18, 0, 0);
/** The same instant in UNIX seconds, the unit of scrobble timestamps. */
export const T0 = T0_MS / 1000;

/** Lets every request through at once: these tests exercise the emulator's limit, not ours. */
export const noLimiter: RateLimiter = { acquire: async () => undefined };

/**
 * Everything the client threw in this test file, and the secrets it was handed or given (since the
 * file's `guardErrorMessages`).
 */
const thrown: unknown[] = [];
const secrets = new Set<string>([API_SECRET]);

/** Remembers a session key or token, so `guardErrorMessages` looks for it. */
export function rememberSecret(value: string): void {
  secrets.add(value);
}

/** Wraps `fn` so whatever it throws is recorded before it reaches the test. */
function recording<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      thrown.push(err);
      throw err;
    }
  };
}

/** The client with every failure recorded and every token and session key remembered. */
export function watch(api: LastfmApi): LastfmApi {
  return {
    authUrl: (cb) => api.authUrl(cb),
    getSession: recording(async (token: string, signal?: AbortSignal) => {
      rememberSecret(token);
      const session = await api.getSession(token, signal);
      rememberSecret(session.key);
      return session;
    }),
    getUserInfo: recording(api.getUserInfo),
    getRecentTracks: recording(api.getRecentTracks),
    getTrackInfo: recording(api.getTrackInfo),
    scrobble: recording(async (sk: string, items: ScrobbleInput[], signal?: AbortSignal) => {
      rememberSecret(sk);
      return api.scrobble(sk, items, signal);
    }),
    updateNowPlaying: recording(async (sk: string, item: NowPlayingInput, signal?: AbortSignal) => {
      rememberSecret(sk);
      return api.updateNowPlaying(sk, item, signal);
    }),
  };
}

/** api_sig values are 32 hex characters; tokens and session keys 32 of `[A-Za-z0-9_-]`. */
const OPAQUE_32 = /[A-Za-z0-9_-]{32}/;

/** The secrets found in `message`: known values, or anything shaped like a key or signature. */
export function leakedSecrets(message: string): string[] {
  const found = [...secrets].filter((s) => message.includes(s));
  const shaped = OPAQUE_32.exec(message);
  return shaped ? [...found, shaped[0]] : found;
}

/** How many errors the client has thrown so far in this file. */
export function thrownCount(): number {
  return thrown.length;
}

/**
 * Registers a check after the file's tests: every error the client threw is a `LastfmError` and
 * its message holds no shared secret, session key, token or api_sig.
 */
export function guardErrorMessages(): void {
  // This module outlives one file when files share a worker (the `unit` project): start each
  // file's record afresh, so errors and secrets of an earlier file are not checked again here.
  beforeAll(() => {
    thrown.length = 0;
    secrets.clear();
    secrets.add(API_SECRET);
  });
  afterAll(() => {
    for (const err of thrown) {
      expect(err).toBeInstanceOf(LastfmError);
      const message = (err as Error).message;
      expect(leakedSecrets(message), `error message leaks a secret: ${message}`).toEqual([]);
    }
  });
}

/** One emulator and its clock, for one test. */
export interface Rig {
  emu: EmulatorHandle;
  clock: ManualClock;
  /** A watched client of the test app on this emulator and clock; `opts` override defaults. */
  client(opts?: Partial<LastfmClientOptions>): LastfmApi;
  /** A session key of `user` (created if needed), through approve + the client's getSession. */
  sessionFor(user: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts an emulator on a fresh ManualClock at T0 with the test app and no rate limit. */
export async function startRig(opts: EmulatorOptions = {}): Promise<Rig> {
  const clock = new ManualClock(T0_MS);
  const emu = await startEmulator({
    clock,
    rateLimit: false,
    apps: [{ api_key: API_KEY, secret: API_SECRET, name: 'Lasso integration' }],
    ...opts,
  });
  const client = (o: Partial<LastfmClientOptions> = {}): LastfmApi =>
    watch(
      createLastfmClient({
        apiKey: API_KEY,
        apiSecret: API_SECRET,
        apiUrl: emu.apiUrl,
        authUrl: emu.authUrl,
        clock,
        random: seededRandom(7),
        rateLimiter: noLimiter,
        timeoutMs: 5_000,
        ...o,
      }),
    );
  return {
    emu,
    clock,
    client,
    async sessionFor(user) {
      emu.createUser(user);
      const session = await client().getSession(emu.approve(API_KEY, user));
      return session.key;
    },
    close: () => emu.close(),
  };
}

/** The `LastfmError` that `promise` rejects with; fails the test if it resolves or throws else. */
export async function failureOf(promise: Promise<unknown>): Promise<LastfmError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LastfmError);
  return err as LastfmError;
}
