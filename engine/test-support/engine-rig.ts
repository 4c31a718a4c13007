/**
 * The engine's integration-test rig: the real engine on a test database, the real Last.fm client
 * against the in-process emulator, all on one ManualClock. Session keys are stored in clear
 * (`decryptSessionKey` reads the bytes back). Every `track.scrobble` item the engine sends is
 * recorded, because the emulator records a resent duplicate only once: the log is what shows a
 * double submission.
 */
import { sql } from 'kysely';
import { expect } from 'vitest';
import { seededRandom } from '../../lib/random.js';
import { LastfmError } from '../../lastfm/errors.js';
import type { LastfmApi, ScrobbleInput, ScrobbleResult } from '../../lastfm/types.js';
import type { Db } from '../../store/db.js';
import { insertAccount, uniqueName } from '../../store/test-support/factories.js';
import type { EmulatorOptions } from '../../emulator/types.js';
import { startRig, T0_MS, type Rig } from '../../test/integration/harness.js';
import { MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import type { EngineConfig } from '../config.js';
import { createEngine, type EngineDeps } from '../engine.js';
import type { EngineEventType, EngineLogger, EngineRuntime } from '../engine-api.js';
import { toSessionEvent } from '../../server/routes/event-frames.js';

/**
 * One item the engine handed to `track.scrobble`, with the guest it was for and whether it may
 * be on the profile now: `yes` accepted, `no` ignored or refused with a Last.fm error code,
 * `maybe` no answer (a dropped connection: it may have been recorded).
 */
export interface SentItem extends ScrobbleInput {
  user: string;
  at: number;
  landed: 'yes' | 'no' | 'maybe';
}

/** `minutes` (and `seconds`) after T0_MS, where every rig's clock starts, in ms. */
export const at = (minutes: number, seconds = 0): number =>
  T0_MS + minutes * MINUTE_MS + seconds * SECOND_MS;

/** An instant in ms as UNIX seconds, as Last.fm dates a scrobble. */
export const uts = (ms: number): number => Math.floor(ms / 1000);

/** A signed-in guest: the emulator user and the account row. */
export interface TestGuest {
  id: number;
  name: string;
  sessionKey: string;
}

/** What `startEngineRig` gives a test. */
export interface EngineRig {
  rig: Rig;
  db: Db;
  /** Every scrobble item sent, in order. */
  sent: SentItem[];
  /** What the engines logged at error level (a healthy run logs none). */
  errors: string[];
  /** The most calls ever in flight at once, by `method user` (a poll per host, a batch per guest). */
  maxInFlight: Map<string, number>;
  /** The client every engine of this rig uses (recording). */
  lastfm: LastfmApi;
  engine(over?: Partial<EngineDeps>): EngineRuntime;
  guest(prefix?: string): Promise<TestGuest>;
  host(prefix?: string): string;
  /** A host, a signed-in guest `ann` and an engine; with `follow`, ann follows the host. */
  soloJam(opts?: {
    follow?: boolean;
  }): Promise<{ host: string; ann: TestGuest; engine: EngineRuntime }>;
  /**
   * The guest signs in again after their key was revoked: a new session key from the emulator,
   * stored as valid as the server stores it, then `engine` is told (`accountReauthorized`).
   */
  signInAgain(guest: TestGuest, engine: EngineRuntime): Promise<void>;
  /** The track names in `user`'s library on the emulator, sorted. */
  tracksOf(user: string): string[];
  /** Runs the engines (concurrently) and the clock until `untilMs`; see `runEngines`. */
  runUntil(engines: EngineRuntime | EngineRuntime[], untilMs: number): Promise<void>;
  /**
   * Scrobbles sent again although an earlier send may have put them on the profile (accepted or
   * no answer), as `user|timestamp|artist|track ×n`. A resend after an ignore or an error code is
   * fine; the emulator would hide a real double (it records a duplicate once).
   */
  resent(): string[];
  close(): Promise<void>;
  /**
   * Closes the rig, then checks what every engine test checks after a test: no error logged,
   * and, as asked, no stored event the server could not send (`misfits`) and no scrobble sent
   * again (`resent`). Closed first, so a failed check leaves no emulator running.
   */
  closeChecked(checks?: { misfits?: boolean; resent?: boolean }): Promise<void>;
}

/**
 * Stored events the server could not send as the contract's SSE frames (it drops them): each as
 * `type payload`. The server's own mapping is the judge.
 */
export async function misfitEvents(db: Db): Promise<string[]> {
  const rows = await db.kysely.selectFrom('events').selectAll().orderBy('id').execute();
  return rows
    .filter(
      (r) =>
        toSessionEvent({ id: r.id, type: r.type as EngineEventType, payload: r.payload, at: 0 }) ===
        null,
    )
    .map((r) => `${r.type} ${JSON.stringify(r.payload)}`);
}

/** Engine tables emptied before each test: the database is shared by a file's tests. */
export async function clearEngineTables(db: Db): Promise<void> {
  await sql`TRUNCATE events, outbox, follow_windows, follows, hosts, track_durations`.execute(
    db.kysely,
  );
}

/** Counts calls in flight by key and keeps the highest count seen. */
function inFlightCounter(max: Map<string, number>) {
  const now = new Map<string, number>();
  return async <T>(key: string, call: () => Promise<T>): Promise<T> => {
    const n = (now.get(key) ?? 0) + 1;
    now.set(key, n);
    max.set(key, Math.max(max.get(key) ?? 0, n));
    try {
      return await call();
    } finally {
      now.set(key, (now.get(key) ?? 1) - 1);
    }
  };
}

/** A client that records the scrobble items it is asked to send, and concurrent calls. */
function recording(
  api: LastfmApi,
  sent: SentItem[],
  users: Map<string, string>,
  now: () => number,
  maxInFlight: Map<string, number>,
): LastfmApi {
  const track = inFlightCounter(maxInFlight);
  return {
    ...api,
    getRecentTracks: (q, signal) =>
      track(`user.getRecentTracks ${q.user}`, () => api.getRecentTracks(q, signal)),
    scrobble: async (sk, items, signal) => {
      const user = users.get(sk) ?? '?';
      return track(`track.scrobble ${user}`, () =>
        sendItems(api, sent, user, now(), sk, items, signal),
      );
    },
  };
}

/** Sends and records the items with whether they may have landed. */
async function sendItems(
  api: LastfmApi,
  sent: SentItem[],
  user: string,
  at: number,
  sk: string,
  items: ScrobbleInput[],
  signal: AbortSignal | undefined,
): Promise<ScrobbleResult> {
  const mine: SentItem[] = items.map((item) => ({ ...item, user, at, landed: 'maybe' }));
  sent.push(...mine);
  try {
    const result = await api.scrobble(sk, items, signal);
    mine.forEach((m, i) => (m.landed = result.items[i]?.accepted ? 'yes' : 'no'));
    return result;
  } catch (err) {
    if (err instanceof LastfmError && err.code !== 0) for (const m of mine) m.landed = 'no';
    throw err;
  }
}

let instances = 0;

/**
 * Runs every engine's `runDue` together, then moves the clock to the earliest of their next due
 * times, the emulator's next timer (listeners) and `untilMs`, until the clock reaches `untilMs`.
 */
export async function runEngines(
  rig: Rig,
  engines: readonly EngineRuntime[],
  untilMs: number,
): Promise<void> {
  let stuck = 0;
  for (;;) {
    const nexts = await Promise.all(engines.map((e) => e.runDue()));
    const now = rig.clock.now();
    if (now >= untilMs) return;
    const candidates = [...nexts, rig.clock.nextTimerAt() ?? null, untilMs].filter(
      (t): t is number => t !== null,
    );
    const target = Math.max(Math.min(...candidates), now);
    if (target === now) {
      if (++stuck > 50)
        throw new Error(`engines still have work due at ${new Date(now).toISOString()}`);
      continue;
    }
    stuck = 0;
    await rig.clock.advanceTo(target);
  }
}

/** Starts an emulator and builds engines on `db` (emptied of engine rows first). */
export async function startEngineRig(
  db: Db,
  opts: { emulator?: EmulatorOptions; config?: Partial<EngineConfig> } = {},
): Promise<EngineRig> {
  await clearEngineTables(db);
  const rig = await startRig(opts.emulator);
  const sent: SentItem[] = [];
  const errors: string[] = [];
  const logger: EngineLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj, msg) => {
      const err = (obj as { err?: unknown }).err;
      errors.push(
        `${msg ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : JSON.stringify(obj)}`,
      );
    },
  };
  const users = new Map<string, string>();
  const maxInFlight = new Map<string, number>();
  const lastfm = recording(
    rig.client({ maxReadRetries: 0 }),
    sent,
    users,
    () => rig.clock.now(),
    maxInFlight,
  );
  const self: EngineRig = {
    rig,
    db,
    sent,
    errors,
    maxInFlight,
    lastfm,
    engine: (over = {}) =>
      createEngine({
        db,
        lastfm,
        clock: rig.clock,
        random: seededRandom(11),
        instanceId: `test-${++instances}`,
        decryptSessionKey: (_id, blob) => blob.toString('utf8'),
        ...(opts.config === undefined ? {} : { config: opts.config }),
        logger,
        ...over,
      }),
    async guest(prefix = 'guest') {
      const name = uniqueName(prefix);
      const sessionKey = await rig.sessionFor(name);
      users.set(sessionKey, name);
      const account = await insertAccount(db.kysely, {
        username: name,
        session_key_enc: Buffer.from(sessionKey, 'utf8'),
      });
      return { id: account.id, name, sessionKey };
    },
    host(prefix = 'host') {
      const name = uniqueName(prefix);
      rig.emu.createUser(name);
      return name;
    },
    async soloJam(jam = {}) {
      const host = self.host();
      const ann = await self.guest('ann');
      const engine = self.engine();
      if (jam.follow) await engine.startFollow(ann.id, host);
      return { host, ann, engine };
    },
    async signInAgain(guest, engine) {
      const sessionKey = await rig.sessionFor(guest.name);
      users.set(sessionKey, guest.name);
      await db.kysely
        .updateTable('accounts')
        .set({ session_key_enc: Buffer.from(sessionKey, 'utf8'), key_state: 'valid' })
        .where('id', '=', guest.id)
        .execute();
      await engine.accountReauthorized(guest.id);
    },
    tracksOf: (user) =>
      rig.emu
        .scrobbles(user)
        .map((s) => s.track)
        .sort(),
    runUntil: (engines, untilMs) =>
      runEngines(rig, Array.isArray(engines) ? engines : [engines], untilMs),
    resent() {
      const counts = new Map<string, number>();
      for (const s of sent) {
        if (s.landed === 'no') continue;
        const key = `${s.user}|${s.timestamp}|${s.artist}|${s.track}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
    },
    close: () => rig.close(),
    async closeChecked(checks = {}) {
      await rig.close();
      expect(errors).toEqual([]);
      if (checks.misfits) expect(await misfitEvents(db)).toEqual([]);
      if (checks.resent) expect(self.resent()).toEqual([]);
    },
  };
  return self;
}

/** A host scrobble as the emulator lists it. */
interface ListedScrobble {
  artist: string;
  track: string;
  album: string;
  timestamp: number;
}

/**
 * What a guest's library must hold, computed apart from the engine's code: every host scrobble
 * that started inside one of the windows `[opened, closed)` (ms; closed Infinity while open), and
 * for each window the scrobble of the play going on when it opened (the guest heard it), its
 * length given by `durationS` (full plays only, as the emulator's listener plays them) — when it
 * had played less than its scrobble point (half, or 4 min) then: past it, Lasso cannot be sure
 * the scrobble is of the play that was on and leaves it out (engine/README.md, "the lead").
 */
export function expectedLibrary<T extends ListedScrobble>(
  hostScrobbles: readonly T[],
  windows: readonly [number, number][],
  durationS: (s: T) => number,
): T[] {
  const inSpan = (s: T): boolean =>
    windows.some(([o, c]) => s.timestamp * 1000 >= o && s.timestamp * 1000 < c);
  const playing = (s: T, at: number): boolean =>
    s.timestamp * 1000 < at &&
    at < (s.timestamp + durationS(s)) * 1000 &&
    at - s.timestamp * 1000 < Math.min(durationS(s) / 2, 240) * 1000;
  const leads = windows.flatMap(([o]) => hostScrobbles.filter((s) => playing(s, o)));
  const all = [...hostScrobbles.filter(inSpan), ...leads];
  const key = (s: T): string => `${s.timestamp}|${s.artist}|${s.track}`;
  return [...new Map(all.map((s) => [key(s), s])).values()].sort(
    (a, b) => a.timestamp - b.timestamp,
  );
}
