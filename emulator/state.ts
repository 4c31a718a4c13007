/**
 * The emulator's world: API applications, users with their libraries and now-playing entries, and
 * the catalogue of tracks it has heard of (for track.getInfo). Plain in-memory maps; everything is
 * synchronous, so a request sees a consistent state without locks.
 */
import { ControlError } from './errors.js';
import { History } from './history.js';
import type { AppInput, NowPlayingBody, ScrobbleRow, SubmissionRow } from './types.js';

/** A registered API application. */
export interface AppRecord {
  apiKey: string;
  secret: string;
  name: string;
  callbackUrl: string | null;
}

/** What a user is playing; it never carries a date and lapses at `expiresAt`. */
export interface NowPlayingEntry {
  artist: string;
  track: string;
  album: string;
  durationSec: number | null;
  expiresAt: number;
}

/** An emulated Last.fm user. */
export interface UserRecord {
  name: string;
  private: boolean;
  /** UNIX seconds. */
  registeredAt: number;
  history: History;
  nowPlaying: NowPlayingEntry | null;
  /** Accepted API scrobbles on the UTC day `day` (days since the epoch), for the daily cap. */
  daily: { day: number; count: number };
  /** Every item `track.scrobble` accepted, repeats included (the library keeps one of each). */
  submissions: SubmissionRow[];
}

/** A track the emulator has heard of. */
export interface CatalogTrack {
  artist: string;
  track: string;
  album: string;
  durationSec: number | null;
  playcount: number;
  listeners: Set<string>;
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Lower-cased lookup key: Last.fm names of users, artists and tracks are case-insensitive. */
function fold(s: string): string {
  return s.toLowerCase();
}

function trackKey(artist: string, track: string): string {
  return `${fold(artist)}\u0000${fold(track)}`;
}

/** The whole in-memory state. */
export class EmulatorState {
  private readonly apps = new Map<string, AppRecord>();
  private readonly users = new Map<string, UserRecord>();
  private readonly catalog = new Map<string, CatalogTrack>();

  /** Registers (or replaces) an application. */
  registerApp(input: AppInput): AppRecord {
    const app: AppRecord = {
      apiKey: input.api_key,
      secret: input.secret,
      name: input.name ?? 'Emulated application',
      callbackUrl: input.callback_url ?? null,
    };
    this.apps.set(app.apiKey, app);
    return app;
  }

  app(apiKey: string): AppRecord | undefined {
    return this.apps.get(apiKey);
  }

  /** Creates a user, or returns the existing one (updating `private` when given). */
  createUser(
    name: string,
    isPrivate: boolean | undefined,
    nowSec: number,
  ): { user: UserRecord; created: boolean } {
    if (!USER_NAME.test(name)) {
      throw new ControlError(400, `bad user name "${name}": 1-64 of [A-Za-z0-9_.-]`);
    }
    const existing = this.users.get(fold(name));
    if (existing) {
      if (isPrivate !== undefined) existing.private = isPrivate;
      return { user: existing, created: false };
    }
    const user: UserRecord = {
      name,
      private: isPrivate ?? false,
      registeredAt: nowSec,
      history: new History(),
      nowPlaying: null,
      daily: { day: 0, count: 0 },
      submissions: [],
    };
    this.users.set(fold(name), user);
    return { user, created: true };
  }

  user(name: string): UserRecord | undefined {
    return this.users.get(fold(name));
  }

  /** The user, or a 404 `ControlError`. */
  requireUser(name: string): UserRecord {
    const user = this.user(name);
    if (!user) throw new ControlError(404, `unknown user "${name}"`);
    return user;
  }

  userNames(): string[] {
    return [...this.users.values()].map((u) => u.name);
  }

  /** Sets what the user is playing; it lapses after its duration or `defaultSec`. */
  setNowPlaying(user: UserRecord, np: NowPlayingBody, nowMs: number, defaultSec: number): void {
    const durationSec = np.duration !== undefined && np.duration > 0 ? np.duration : null;
    user.nowPlaying = {
      artist: np.artist,
      track: np.track,
      album: np.album ?? '',
      durationSec,
      expiresAt: nowMs + (durationSec ?? defaultSec) * 1000,
    };
    this.learnTrack(np.artist, np.track, np.album, durationSec);
  }

  /** The live now-playing entry, dropping it once lapsed. */
  nowPlaying(user: UserRecord, nowMs: number): NowPlayingEntry | null {
    if (user.nowPlaying && user.nowPlaying.expiresAt <= nowMs) user.nowPlaying = null;
    return user.nowPlaying;
  }

  /**
   * Adds a scrobble to the user's library; false for a duplicate (kept once). A scrobble of the
   * track now playing ends the now-playing entry, as the real service does.
   */
  recordScrobble(user: UserRecord, row: ScrobbleRow, source: string): boolean {
    const np = user.nowPlaying;
    if (np && trackKey(np.artist, np.track) === trackKey(row.artist, row.track)) {
      user.nowPlaying = null;
    }
    const added = user.history.add({ ...row, source });
    if (added) {
      const t = this.learnTrack(row.artist, row.track, row.album, null);
      t.playcount += 1;
      t.listeners.add(fold(user.name));
    }
    return added;
  }

  /** Makes a track known; a positive duration (seconds) replaces what was known. */
  learnTrack(
    artist: string,
    track: string,
    album: string | undefined,
    durationSec: number | null,
  ): CatalogTrack {
    const key = trackKey(artist, track);
    let t = this.catalog.get(key);
    if (!t) {
      t = { artist, track, album: '', durationSec: null, playcount: 0, listeners: new Set() };
      this.catalog.set(key, t);
    }
    if (album) t.album = album;
    if (durationSec !== null && durationSec > 0) t.durationSec = durationSec;
    return t;
  }

  findTrack(artist: string, track: string): CatalogTrack | undefined {
    return this.catalog.get(trackKey(artist, track));
  }
}
