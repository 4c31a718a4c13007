/**
 * A host's listening as a script: which track played when, for how long, and when its scrobble
 * reaches Last.fm. The rig turns a script into now-playing changes and scrobbles at exact
 * simulated times, so the oracle knows every host scrobble and when it appeared.
 */
import { SECOND_MS } from '../lib/clock.js';
import type { Random } from '../lib/random.js';

/** A track a host can play. */
export interface Song {
  artist: string;
  track: string;
  album: string;
  /** Length in seconds. */
  durationS: number;
}

/** One play of a song by a host. */
export interface Play {
  song: Song;
  /** When it started (ms, a whole second: scrobble timestamps are seconds). */
  startMs: number;
  /** How long it played before the next one or silence (s); < `song.durationS` when skipped. */
  playedS: number;
  /** Extra delay before its scrobble shows up at Last.fm (s); 0 = when the play ends. */
  lateS: number;
}

/** A host scrobble as it appears at Last.fm. */
export interface HostScrobble {
  artist: string;
  track: string;
  album: string;
  /** UNIX seconds: the play's start. */
  timestamp: number;
}

/**
 * Whether a play becomes a scrobble (Last.fm's rule, applied by the host's player): the track is
 * over 30 s long and played for half its length or 4 minutes, whichever comes first.
 */
export function isScrobbled(play: Play): boolean {
  const d = play.song.durationS;
  return d > 30 && play.playedS >= Math.min(d / 2, 240);
}

/** When the play ends (ms). */
export function playEndMs(play: Play): number {
  return play.startMs + play.playedS * SECOND_MS;
}

/** When the play's scrobble shows up at Last.fm (ms); meaningful only when `isScrobbled`. */
export function appearsAtMs(play: Play): number {
  return playEndMs(play) + play.lateS * SECOND_MS;
}

/** The scrobble a play makes. */
export function scrobbleOf(play: Play): HostScrobble {
  const { artist, track, album } = play.song;
  return { artist, track, album, timestamp: Math.floor(play.startMs / SECOND_MS) };
}

/** A change at Last.fm caused by the host's player. */
export type HostChange =
  | { kind: 'now-playing'; song: Song }
  | { kind: 'clear-now-playing' }
  | { kind: 'scrobble'; scrobble: HostScrobble };

/** A host change at a time; `rank` orders changes of one instant (scrobble before the next track). */
export interface TimedHostChange {
  at: number;
  rank: number;
  host: string;
  change: HostChange;
}

/** Ranks within one instant: the ended track's scrobble lands, then the player moves on. */
const RANK = { scrobble: 0, clear: 1, nowPlaying: 2 } as const;

/**
 * The changes a script makes: now-playing at each start, cleared when silence follows, and the
 * scrobble of each play that counts, when it appears. Plays must not overlap.
 */
export function hostChanges(host: string, plays: readonly Play[]): TimedHostChange[] {
  const out: TimedHostChange[] = [];
  plays.forEach((play, i) => {
    out.push({
      at: play.startMs,
      rank: RANK.nowPlaying,
      host,
      change: { kind: 'now-playing', song: play.song },
    });
    const next = plays[i + 1];
    if (!next || next.startMs > playEndMs(play)) {
      out.push({
        at: playEndMs(play),
        rank: RANK.clear,
        host,
        change: { kind: 'clear-now-playing' },
      });
    }
    if (isScrobbled(play)) {
      out.push({
        at: appearsAtMs(play),
        rank: RANK.scrobble,
        host,
        change: { kind: 'scrobble', scrobble: scrobbleOf(play) },
      });
    }
  });
  return out.sort((a, b) => a.at - b.at || a.rank - b.rank);
}

/** Options of `realisticPlays`. */
export interface RealisticOptions {
  startMs: number;
  endMs: number;
  songs: readonly Song[];
  /** Share of plays skipped at a random point (0..1). */
  skipRate: number;
  /** Silences: [startMs, lengthMs]; the track playing at a silence's start ends there. */
  breaks?: ReadonlyArray<readonly [number, number]>;
}

/**
 * Back-to-back plays of songs picked at random (so the same song comes back at other times),
 * `skipRate` of them skipped at a uniformly random point, with silences. Starts fall on whole
 * seconds.
 */
export function realisticPlays(random: Random, opts: RealisticOptions): Play[] {
  const plays: Play[] = [];
  const breaks = [...(opts.breaks ?? [])].sort((a, b) => a[0] - b[0]);
  let t = Math.ceil(opts.startMs / SECOND_MS) * SECOND_MS;
  while (t < opts.endMs) {
    const gap = breaks.find(([at, len]) => at <= t && t < at + len);
    if (gap) {
      t = Math.ceil((gap[0] + gap[1]) / SECOND_MS) * SECOND_MS;
      continue;
    }
    const song = pick(random, opts.songs);
    let playedS = song.durationS;
    if (random.next() < opts.skipRate)
      playedS = 1 + Math.floor(random.next() * (song.durationS - 1));
    // A silence starting mid-track cuts the track there (the host pressed pause).
    const cut = breaks.find(([at]) => at > t && at < t + playedS * SECOND_MS);
    if (cut) playedS = Math.max(1, Math.floor((cut[0] - t) / SECOND_MS));
    plays.push({ song, startMs: t, playedS, lateS: 0 });
    t += playedS * SECOND_MS;
  }
  return plays;
}

/** A library of `n` songs with lengths uniform in [minS, maxS], names with accents, CJK and emoji. */
export function songLibrary(random: Random, n: number, minS: number, maxS: number): Song[] {
  const artists = ['Beyoncé', 'Sigur Rós', '東京事変', 'Motörhead', 'The Weeknd', 'Ñandú 🎺'];
  return Array.from({ length: n }, (_, i) => ({
    artist: artists[i % artists.length] ?? 'Artist',
    track: `Track ${i + 1} — ${['Ünïcode', '夜明け', 'Çava', '🔥 Fire', 'Plain'][i % 5] ?? ''}`,
    album: i % 4 === 0 ? '' : `Album ${Math.floor(i / 4) + 1}`,
    durationS: minS + Math.floor(random.next() * (maxS - minS + 1)),
  }));
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random.next() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
