/**
 * Scripted listeners: a user "plays" a playlist on the emulator's clock. While a track plays it is
 * the user's now-playing entry; when it ends, it is scrobbled with its start time, as Spotify does.
 * A skipped track counts only if it was over 30 s long and played for half its length or 4
 * minutes, whichever came first. Listeners wait with `clock.sleep`, so on a `ManualClock` they move
 * exactly as far as `advance` takes them.
 */
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import { seededRandom } from '../lib/random.js';
import type { EmulatorState, UserRecord } from './state.js';
import type { ListenerSpec, ListenerTrack } from './types.js';
import {
  asObject,
  bad,
  optBool,
  optInt,
  optNum,
  optString,
  reqInt,
  reqString,
} from './validate.js';

const MIN_SCROBBLE_LENGTH_SEC = 30;
const ENOUGH_PLAY_SEC = 240;

/** What `GET /_emulator/listeners` shows for one listener. */
export interface ListenerStatus {
  user: string;
  loop: boolean;
  tracks: number;
  /** Index of the track playing or last played. */
  position: number;
  playing: { artist: string; track: string } | null;
}

interface Running {
  spec: ListenerSpec;
  controller: AbortController;
  position: number;
  playing: ListenerTrack | null;
}

/** True when a play of `playedSec` of a `durationSec` track is a scrobble (Last.fm's rule). */
export function playCounts(durationSec: number, playedSec: number): boolean {
  if (durationSec <= MIN_SCROBBLE_LENGTH_SEC) return false;
  return playedSec >= Math.min(durationSec / 2, ENOUGH_PLAY_SEC);
}

/** The running listeners, one per user. */
export class ListenerRegistry {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly clock: Clock,
    private readonly state: EmulatorState,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts a listener for `spec.user`, replacing the user's current one. */
  start(spec: ListenerSpec): void {
    const user = this.state.requireUser(spec.user);
    this.stop(user.name);
    const run: Running = { spec, controller: new AbortController(), position: 0, playing: null };
    const key = user.name.toLowerCase();
    this.running.set(key, run);
    const random = seededRandom(spec.seed ?? hashSeed(user.name));
    this.play(user, run, random)
      .catch((e: unknown) => this.log(`listener ${user.name} failed: ${String(e)}`))
      .finally(() => {
        if (this.running.get(key) === run) this.running.delete(key);
      });
  }

  /** Stops the user's listener and clears what it was playing; false when there was none. */
  stop(userName: string): boolean {
    const key = userName.toLowerCase();
    const run = this.running.get(key);
    if (!run) return false;
    this.running.delete(key);
    run.controller.abort();
    const user = this.state.user(userName);
    if (user && run.playing && isPlaying(user, run.playing)) user.nowPlaying = null;
    return true;
  }

  stopAll(): void {
    for (const run of this.running.values()) run.controller.abort();
    this.running.clear();
  }

  list(): ListenerStatus[] {
    return [...this.running.values()].map((r) => ({
      user: r.spec.user,
      loop: r.spec.loop ?? false,
      tracks: r.spec.tracks.length,
      position: r.position,
      playing: r.playing ? { artist: r.playing.artist, track: r.playing.track } : null,
    }));
  }

  private async play(user: UserRecord, run: Running, random: Random): Promise<void> {
    const { spec } = run;
    const signal = run.controller.signal;
    const skipRate = spec.skip_rate ?? 0;
    do {
      for (const [i, t] of spec.tracks.entries()) {
        if (signal.aborted) return;
        run.position = i;
        run.playing = t;
        const startMs = this.clock.now();
        this.state.setNowPlaying(user, { ...t, duration: t.duration_s }, startMs, t.duration_s);
        const skipped = random.next() < skipRate;
        const playedSec = skipped ? Math.floor(t.duration_s * random.next()) : t.duration_s;
        await this.clock.sleep(playedSec * 1000, signal);
        if (signal.aborted) return;
        run.playing = null;
        if (isPlaying(user, t)) user.nowPlaying = null;
        if (playCounts(t.duration_s, playedSec)) {
          const row = { artist: t.artist, track: t.track, album: t.album ?? '' };
          this.state.recordScrobble(
            user,
            { ...row, timestamp: Math.floor(startMs / 1000) },
            'listener',
          );
        }
        if ((spec.gap_s ?? 0) > 0) await this.clock.sleep((spec.gap_s ?? 0) * 1000, signal);
      }
    } while (spec.loop === true && !signal.aborted);
  }
}

function isPlaying(user: UserRecord, t: ListenerTrack): boolean {
  const np = user.nowPlaying;
  return np !== null && np.artist === t.artist && np.track === t.track;
}

/** A stable default seed from the user name (FNV-1a), so runs repeat without one. */
function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Validates a listener spec from JSON; throws a 400 `ControlError`. */
export function parseListenerSpec(input: unknown): ListenerSpec {
  const o = asObject(input, 'listener');
  if (!Array.isArray(o.tracks) || o.tracks.length === 0)
    throw bad('tracks must be a non-empty array');
  const spec: ListenerSpec = {
    user: reqString(o, 'user'),
    tracks: o.tracks.map((t, i) => parseTrack(t, i)),
  };
  const loop = optBool(o, 'loop');
  if (loop !== undefined) spec.loop = loop;
  const skipRate = optNum(o, 'skip_rate', 0, 1);
  if (skipRate !== undefined) spec.skip_rate = skipRate;
  const gap = optNum(o, 'gap_s', 0, Number.MAX_SAFE_INTEGER);
  if (gap !== undefined) spec.gap_s = gap;
  const seed = optInt(o, 'seed', Number.MIN_SAFE_INTEGER);
  if (seed !== undefined) spec.seed = seed;
  return spec;
}

function parseTrack(input: unknown, i: number): ListenerTrack {
  const t = asObject(input, `tracks[${i}]`);
  const out: ListenerTrack = {
    artist: reqString(t, 'artist'),
    track: reqString(t, 'track'),
    duration_s: reqInt(t, 'duration_s', 1),
  };
  const album = optString(t, 'album');
  if (album !== undefined) out.album = album;
  return out;
}
