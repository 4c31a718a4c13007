/**
 * The scripts of a soak run, planned up front from a seed so a run can be repeated: what each
 * host plays (in compressed time: tracks of seconds, not minutes), what each guest does and when,
 * and when the server is killed. Pure: no clock, no I/O; times are ms from the run's start.
 */
import { seededRandom, type Random } from '../lib/random.js';

/** A song the hosts play. One length per artist and track, as Last.fm knows one. */
export interface Song {
  artist: string;
  track: string;
  album: string;
  durationMs: number;
  /** A name meant to break things (a NUL, an over-long name): reported on its own. */
  poison?: 'nul' | 'long';
}

/** What a play has that a plain one has not. */
export type PlayTag = 'skip' | 'repeat' | 'late' | 'poison';

/** One play of a song by a host. */
export interface PlannedPlay {
  kind: 'play';
  song: Song;
  startMs: number;
  /** How long it played: the song's length, or less when skipped. */
  playedMs: number;
  /** Played long enough to be scrobbled (half the song, the compressed form of Last.fm's rule). */
  scrobbled: boolean;
  /** How long after the play ended its scrobble reaches Last.fm (0: at once). */
  lateMs: number;
  tags: PlayTag[];
}

/** The host plays nothing. */
export interface PlannedSilence {
  kind: 'silence';
  startMs: number;
  lengthMs: number;
}

/** A stretch of a host's script: a play or a silence. */
export type Segment = PlannedPlay | PlannedSilence;

/** Where a segment ends (ms from the start). */
export function segmentEnd(s: Segment): number {
  return s.startMs + (s.kind === 'play' ? s.playedMs : s.lengthMs);
}

/** True when a play of `playedMs` of a song of `durationMs` makes a scrobble (compressed rule). */
export function playScrobbles(durationMs: number, playedMs: number): boolean {
  return playedMs >= durationMs / 2;
}

const SECOND = 1000;

/** Names from many scripts, emoji, combining marks and URL-special characters. */
const NAMES: readonly [artist: string, track: string, album: string][] = [
  ['Björk', 'Jóga', 'Homogenic'],
  ['Sigur Rós', 'Hoppípolla', 'Takk...'],
  ['坂本龍一', '戦場のメリークリスマス', '音楽図鑑'],
  ['فيروز', 'نسم علينا الهوى', ''],
  ['Motörhead', 'Ace of Spades', 'Ace of Spades'],
  ['The Weeknd', 'Blinding Lights 🌃', 'After Hours'],
  ['🎵 Emoji Band 🚀', '👩‍👩‍👧‍👦 Family ✨', '🔥'],
  ['Zoe\u0308 Keating', 'Combining Zoe\u0308 (NFD)', ''],
  ['Тату', 'Нас не догонят', '200 по встречной'],
  ['방탄소년단', '봄날 (Spring Day)', 'You Never Walk Alone'],
  ["Guns N' Roses", "Sweet Child O' Mine", 'Appetite for Destruction'],
  ['AC/DC', 'T.N.T. & "Back" <live> 100% +1 #2 ?x=y', 'Live/1992'],
  ['Beyoncé', 'Déjà Vu', "B'Day"],
  ['Ólafur Arnalds', 'Saman', 'Living Room Songs'],
  ['Daft Punk', 'One More Time', 'Discovery'],
  ['R.E.M.', 'Losing My Religion', 'Out of Time'],
  ['Ludovico Einaudi', 'Nuvole Bianche', 'Una mattina'],
  ['Mørk', 'Ñandú — “quotes” ‘single’ …', ''],
  ['Ελένη Καραΐνδρου', 'Το βλέμμα του Οδυσσέα', ''],
  ['Rammstein', 'Du hast', 'Sehnsucht'],
];

/** The poison songs: a NUL in the name, and a name of about 1,400 characters. */
export const POISON_SONGS: readonly Omit<Song, 'durationMs'>[] = [
  { artist: 'Poison Pill', track: 'Nul\u0000Byte', album: '', poison: 'nul' },
  {
    artist: 'Poison Pill',
    track: `Over-long ${'Überlänge 🎶 '.repeat(120)}end`,
    album: '',
    poison: 'long',
  },
];

/** A random integer in [lo, hi]. */
function between(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random.next() * (hi - lo + 1));
}

/**
 * The songs, each with a whole number of seconds in [minS, maxS]; `prefix` keeps several hosts'
 * catalogues apart where the run wants that.
 */
export function catalogue(seed: number, minS: number, maxS: number, prefix = ''): Song[] {
  const random = seededRandom(seed);
  return NAMES.map(([artist, track, album]) => ({
    artist: prefix + artist,
    track,
    album,
    durationMs: between(random, minS, maxS) * SECOND,
  }));
}

/** How a host plays. */
export interface HostPlanOptions {
  seed: number;
  songs: readonly Song[];
  /** Plan this far (ms); the player stops when told, so plan past the script's end. */
  horizonMs: number;
  skipRate: number;
  repeatRate: number;
  lateRate: number;
  /** Late scrobbles land this long after the play ended, [min, max] ms. */
  lateMs: [number, number];
  /** A silence of `lengthMs` starting at `atMs`. */
  pause?: { atMs: number; lengthMs: number };
  /** Poison songs, each played once, first play after its `atMs`. */
  poison?: { song: Song; atMs: number }[];
  /** Open with a skip without scrobble, a skip with one, a repeat and a late scrobble. */
  openWithEveryCase?: boolean;
  /** Silence before the first play (ms), so several hosts do not change tracks in step. */
  leadInMs?: number;
}

/** One play of `song` starting at `startMs`, as `shape` asks. */
function play(
  song: Song,
  startMs: number,
  shape: { skipAt?: number; lateMs?: number; tags?: PlayTag[] },
): PlannedPlay {
  // A skip is never shorter than 1.5 s, so two plays never start in the same second.
  const playedMs =
    shape.skipAt === undefined
      ? song.durationMs
      : Math.max(1500, Math.round(song.durationMs * shape.skipAt));
  const scrobbled = playScrobbles(song.durationMs, playedMs);
  const tags: PlayTag[] = [...(shape.tags ?? [])];
  if (playedMs < song.durationMs) tags.push('skip');
  if (scrobbled && (shape.lateMs ?? 0) > 0) tags.push('late');
  if (song.poison) tags.push('poison');
  return {
    kind: 'play',
    song,
    startMs,
    playedMs,
    scrobbled,
    lateMs: scrobbled ? (shape.lateMs ?? 0) : 0,
    tags,
  };
}

/** The opening that shows every case early, so even a short run has each. */
function opening(songs: readonly Song[], random: Random, lateMs: [number, number]) {
  const pick = (): Song => songs[between(random, 0, songs.length - 1)]!;
  const again = pick();
  return [
    { song: pick(), shape: {} },
    { song: pick(), shape: { skipAt: 0.3 } },
    { song: pick(), shape: { skipAt: 0.7 } },
    { song: again, shape: {} },
    { song: again, shape: { tags: ['repeat' as const] } },
    { song: pick(), shape: { lateMs: between(random, lateMs[0], lateMs[1]) } },
  ];
}

/** What a host plays, from 0 to `horizonMs`. */
export function planHost(o: HostPlanOptions): Segment[] {
  const random = seededRandom(o.seed);
  const segments: Segment[] = [];
  const poison = [...(o.poison ?? [])].sort((a, b) => a.atMs - b.atMs);
  const queued = o.openWithEveryCase ? opening(o.songs, random, o.lateMs) : [];
  let pauseDone = o.pause === undefined;
  let t = o.leadInMs ?? 0;
  if (t > 0) segments.push({ kind: 'silence', startMs: 0, lengthMs: t });
  let previous: Song | null = null;
  while (t < o.horizonMs) {
    if (!pauseDone && o.pause && t >= o.pause.atMs) {
      segments.push({ kind: 'silence', startMs: t, lengthMs: o.pause.lengthMs });
      t += o.pause.lengthMs;
      pauseDone = true;
      continue;
    }
    let next: PlannedPlay;
    const forced = queued.shift();
    if (forced) {
      next = play(forced.song, t, forced.shape);
    } else if (poison[0] && t >= poison[0].atMs) {
      next = play(poison.shift()!.song, t, {});
    } else if (previous && random.next() < o.repeatRate) {
      next = play(previous, t, { tags: ['repeat'] });
    } else {
      const song = o.songs[between(random, 0, o.songs.length - 1)]!;
      const skip = random.next() < o.skipRate ? 0.15 + 0.75 * random.next() : undefined;
      const late =
        random.next() < o.lateRate ? between(random, o.lateMs[0], o.lateMs[1]) : undefined;
      next = play(song, t, {
        ...(skip === undefined ? {} : { skipAt: skip }),
        ...(late === undefined ? {} : { lateMs: late }),
      });
    }
    segments.push(next);
    previous = next.song;
    t += next.playedMs;
  }
  return segments;
}

/** Every moment the host's state at Last.fm changes: play starts and ends, late scrobbles. */
export function changeTimes(segments: readonly Segment[]): number[] {
  const times: number[] = [];
  for (const s of segments) {
    times.push(s.startMs, segmentEnd(s));
    if (s.kind === 'play' && s.scrobbled && s.lateMs > 0) times.push(segmentEnd(s) + s.lateMs);
  }
  return times.sort((a, b) => a - b);
}

/**
 * The first moment at or after `desiredMs` that is early in a play (its first quarter, not its
 * first 0.6 s) or inside a silence, at least `clearMs` from any change at Last.fm: a guest who
 * starts or resumes then hears a track whose scrobble Lasso can take at once (see "the lead" in
 * engine/README.md), and no change races the request. `desiredMs` itself when none is found.
 */
export function alignedStart(
  segments: readonly Segment[],
  desiredMs: number,
  clearMs = 1200,
): number {
  const changes = changeTimes(segments);
  const clear = (t: number): boolean => !changes.some((c) => c > t - clearMs && c < t + clearMs);
  for (const s of segments) {
    const end = segmentEnd(s);
    if (end < desiredMs) continue;
    const lo = Math.max(desiredMs, s.startMs + (s.kind === 'play' ? 600 : clearMs));
    const hi = s.kind === 'play' ? s.startMs + Math.max(900, s.song.durationMs / 4) : end - clearMs;
    for (let t = lo; t <= hi; t += 100) if (clear(t)) return t;
  }
  return desiredMs;
}

/** Moments (ms from the start) to kill the server at, sorted, spread over the middle of the run. */
export function planKills(seed: number, count: number, lengthMs: number): number[] {
  const random = seededRandom(seed ^ 0x5eed);
  return Array.from({ length: count }, () => lengthMs * (0.05 + 0.87 * random.next())).sort(
    (a, b) => a - b,
  );
}
