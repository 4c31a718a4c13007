/**
 * The control operations behind both `/_emulator/…` routes and the in-process handle, so the two
 * can never drift apart. Every input is checked here (it may come from JSON), and every failure is
 * a `ControlError`: 400 for a bad body, 404 for an unknown name.
 */
import type { Clock } from '../lib/clock.js';
import type { CallLog } from './calls.js';
import { ControlError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { parseFaultSpec } from './faults.js';
import type { ListenerRegistry, ListenerStatus } from './listener.js';
import { parseListenerSpec } from './listener.js';
import { parseQuirks } from './quirks.js';
import type { AuthStore } from './sessions.js';
import type { EmulatorState, UserRecord } from './state.js';
import type { CallsReport, FaultSpec, Quirks, ScrobbleRow, SubmissionRow } from './types.js';
import { asObject, bad, optBool, optInt, optString, reqInt, reqString } from './validate.js';

/** A user as the control API shows it. */
export interface UserSummary {
  name: string;
  private: boolean;
  registered: number;
  playcount: number;
  now_playing: { artist: string; track: string; album: string } | null;
}

/** The parts the operations act on. */
export interface ControlDeps {
  clock: Clock;
  state: EmulatorState;
  auth: AuthStore;
  quirks: Quirks;
  faults: FaultInjector;
  calls: CallLog;
  listeners: ListenerRegistry;
}

/** Every control operation, taking unchecked input. */
export class Controller {
  constructor(private readonly d: ControlDeps) {}

  private nowSec(): number {
    return Math.floor(this.d.clock.now() / 1000);
  }

  registerApp(input: unknown): { api_key: string; name: string; callback_url: string | null } {
    const o = asObject(input, 'app');
    const callbackUrl = optString(o, 'callback_url');
    const name = optString(o, 'name');
    const app = this.d.state.registerApp({
      api_key: reqString(o, 'api_key'),
      secret: reqString(o, 'secret'),
      ...(callbackUrl === undefined ? {} : { callback_url: callbackUrl }),
      ...(name === undefined ? {} : { name }),
    });
    return { api_key: app.apiKey, name: app.name, callback_url: app.callbackUrl };
  }

  /** Creates a user; an existing one is kept (and its `private` flag updated when given). */
  createUser(input: unknown): { user: UserSummary; created: boolean } {
    const o = typeof input === 'string' ? { name: input } : asObject(input, 'user');
    const r = this.d.state.createUser(reqString(o, 'name'), optBool(o, 'private'), this.nowSec());
    return { user: this.summary(r.user), created: r.created };
  }

  user(name: string): UserSummary {
    return this.summary(this.d.state.requireUser(name));
  }

  users(): UserSummary[] {
    return this.d.state.userNames().map((n) => this.user(n));
  }

  setPrivate(name: string, input: unknown): UserSummary {
    const isPrivate = optBool(asObject(input, 'body'), 'private');
    if (isPrivate === undefined) throw bad('private must be a boolean');
    const user = this.d.state.requireUser(name);
    user.private = isPrivate;
    return this.summary(user);
  }

  setNowPlaying(name: string, input: unknown): UserSummary {
    const user = this.d.state.requireUser(name);
    const o = asObject(input, 'now-playing');
    const np = { artist: reqString(o, 'artist'), track: reqString(o, 'track') };
    const album = optString(o, 'album');
    const duration = optInt(o, 'duration', 1);
    this.d.state.setNowPlaying(
      user,
      {
        ...np,
        ...(album === undefined ? {} : { album }),
        ...(duration === undefined ? {} : { duration }),
      },
      this.d.clock.now(),
      this.d.quirks.nowPlayingDefaultSec,
    );
    return this.summary(user);
  }

  clearNowPlaying(name: string): void {
    this.d.state.requireUser(name).nowPlaying = null;
  }

  /** Adds one scrobble or an array of them, with no age rules; returns how many were new. */
  addScrobbles(name: string, input: unknown): { added: number } {
    const user = this.d.state.requireUser(name);
    const list = Array.isArray(input) ? input : [input];
    const rows = list.map((item, i): ScrobbleRow => {
      const o = asObject(item, Array.isArray(input) ? `scrobbles[${i}]` : 'scrobble');
      const row = { artist: reqString(o, 'artist'), track: reqString(o, 'track') };
      return { ...row, album: optString(o, 'album') ?? '', timestamp: reqInt(o, 'timestamp', 0) };
    });
    let added = 0;
    for (const row of rows) if (this.d.state.recordScrobble(user, row, 'control')) added += 1;
    return { added };
  }

  /** The user's whole library, newest first. */
  scrobbles(name: string): ScrobbleRow[] {
    return this.d.state
      .requireUser(name)
      .history.all()
      .map(({ artist, track, album, timestamp }) => ({ artist, track, album, timestamp }));
  }

  /**
   * Every scrobble `track.scrobble` accepted for the user, oldest first, repeats included: the
   * library keeps one of each, so this is where a client that sent one twice shows.
   */
  submissions(name: string): SubmissionRow[] {
    return this.d.state.requireUser(name).submissions.map((s) => ({ ...s }));
  }

  /** As if `user` clicked "Allow access" for `api_key`: a fresh approved token. */
  approve(input: unknown): { token: string } {
    const o = asObject(input, 'body');
    const apiKey = reqString(o, 'api_key');
    if (!this.d.state.app(apiKey)) throw new ControlError(404, `unknown api_key "${apiKey}"`);
    const user = this.d.state.requireUser(reqString(o, 'user'));
    return { token: this.d.auth.issueToken(apiKey, user.name, this.d.clock.now()).token };
  }

  /** Revokes the user's session keys for one app: they then fail with error 9. */
  revoke(name: string, input: unknown): { revoked: number } {
    const apiKey = reqString(asObject(input, 'body'), 'api_key');
    const user = this.d.state.requireUser(name);
    return { revoked: this.d.auth.revoke(user.name, apiKey) };
  }

  setFaults(input: unknown): FaultSpec {
    const spec = parseFaultSpec(input);
    this.d.faults.set(spec);
    return spec;
  }

  clearFaults(): void {
    this.d.faults.clear();
  }

  faults(): FaultSpec | null {
    return this.d.faults.current();
  }

  calls(): CallsReport {
    return this.d.calls.report();
  }

  resetCalls(): void {
    this.d.calls.reset();
  }

  startListener(input: unknown): ListenerStatus {
    const spec = parseListenerSpec(input);
    this.d.listeners.start(spec);
    const status = this.d.listeners.list().find((l) => l.user === spec.user);
    if (!status) throw new ControlError(404, `listener for "${spec.user}" did not start`);
    return status;
  }

  stopListener(name: string): void {
    if (!this.d.listeners.stop(name)) throw new ControlError(404, `no listener for "${name}"`);
  }

  listeners(): ListenerStatus[] {
    return this.d.listeners.list();
  }

  /** Makes a track known to track.getInfo with its duration. */
  registerTrack(input: unknown): { artist: string; track: string; duration_s: number } {
    const o = asObject(input, 'track');
    const t = this.d.state.learnTrack(
      reqString(o, 'artist'),
      reqString(o, 'track'),
      optString(o, 'album'),
      reqInt(o, 'duration_s', 0),
    );
    return { artist: t.artist, track: t.track, duration_s: t.durationSec ?? 0 };
  }

  /** Changes some quirks in place and returns them all. */
  setQuirks(input: unknown): Quirks {
    Object.assign(this.d.quirks, parseQuirks(input));
    return { ...this.d.quirks };
  }

  quirks(): Quirks {
    return { ...this.d.quirks };
  }

  private summary(user: UserRecord): UserSummary {
    const np = this.d.state.nowPlaying(user, this.d.clock.now());
    return {
      name: user.name,
      private: user.private,
      registered: user.registeredAt,
      playcount: user.history.size,
      now_playing: np ? { artist: np.artist, track: np.track, album: np.album } : null,
    };
  }
}
