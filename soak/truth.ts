/**
 * What really happened at Last.fm during a run, as the driver did it: every now-playing change
 * of a host (with the time span of the request that made it), every scrobble it posted and when.
 * From it, `leadAt` says which play a guest starting or resuming at a given moment heard: the
 * track playing then, the way Lasso's rule reads it ("the lead" in engine/README.md). Pure.
 */
import type { Song } from './plan.js';

/** A span of time in epoch ms: a request from sending to its answer. */
export interface Span {
  fromMs: number;
  toMs: number;
}

/** One play as it was made: its now-playing was set over `set`. */
export interface PlayRecord {
  song: Song;
  set: Span;
  /** The scrobble's timestamp (UNIX s): when the play started. */
  timestamp: number;
  scrobbled: boolean;
}

/** A change of the host's now-playing entry at the emulator. */
export type NpEvent = Span & ({ kind: 'set'; play: number } | { kind: 'clear' });

/** A scrobble the host's player posted to Last.fm (the emulator). */
export interface PostedScrobble extends Span {
  artist: string;
  track: string;
  album: string;
  timestamp: number;
  /** Index of the play in `HostTruth.plays`. */
  play: number;
}

/** Everything one host did. */
export interface HostTruth {
  host: string;
  plays: PlayRecord[];
  np: NpEvent[];
  posted: PostedScrobble[];
}

/** A new, empty record for `host`. */
export function newTruth(host: string): HostTruth {
  return { host, plays: [], np: [], posted: [] };
}

/** Last.fm's identity of a scrobble: (timestamp, artist, track), exact. */
export function scrobbleKey(s: { timestamp: number; artist: string; track: string }): string {
  return `${s.timestamp}\u0000${s.artist}\u0000${s.track}`;
}

/** Last.fm compares track names case-insensitively: a scrobble of the playing track ends it. */
const sameTrack = (a: { artist: string; track: string }, b: { artist: string; track: string }) =>
  a.artist.toLowerCase() === b.artist.toLowerCase() &&
  a.track.toLowerCase() === b.track.toLowerCase();

/** The lead of a window, as far as the driver can tell. */
export type Lead =
  | { kind: 'none' }
  /** Something changed at Last.fm while Lasso read the host: any of `plays` (or none) is right. */
  | { kind: 'ambiguous'; plays: number[] }
  /**
   * `play` was on. Lasso takes it as the guest's only when it can tell the play was still on at
   * the opening (`takes`): `must` when it surely can, `never` when it surely cannot, `may` when
   * that depends on whether it knew the track's length then (its duration cache).
   */
  | { kind: 'play'; play: number; takes: Takes };

/** Whether Lasso takes a lead (see `Lead`). */
export type Takes = 'must' | 'may' | 'never';

/**
 * What Lasso counts as surely played when it does not know a track's length: Last.fm scrobbles
 * only tracks over 30 s played half-way (engine/decide/windows.ts). The soak's compressed tracks are
 * shorter, which is why a lead can be `may` here.
 */
const MIN_SCROBBLED_PLAY_MS = 15_000;

/** Lasso's rule for the play that started at `timestamp` (s) and was on at `openedAt` (ms). */
export function leadTakes(timestamp: number, durationMs: number, openedAt: number): Takes {
  const into = openedAt - timestamp * 1000;
  const half = Math.min(durationMs / 2, 240_000);
  if (into < Math.min(half, MIN_SCROBBLED_PLAY_MS)) return 'must';
  return into < Math.max(half, MIN_SCROBBLED_PLAY_MS) ? 'may' : 'never';
}

/** A moment the now-playing entry may have changed, as a span (the change is somewhere inside). */
function changeSpans(truth: HostTruth): Span[] {
  const spans: Span[] = truth.np.map(({ fromMs, toMs }) => ({ fromMs, toMs }));
  for (const e of truth.np) {
    if (e.kind !== 'set') continue;
    const d = truth.plays[e.play]?.song.durationMs ?? 0;
    spans.push({ fromMs: e.fromMs + d, toMs: e.toMs + d }); // it lapses after its duration
  }
  for (const p of truth.posted) spans.push({ fromMs: p.fromMs, toMs: p.toMs });
  return spans;
}

/** The play whose now-playing entry the emulator showed at `atMs` (no change near it), or null. */
export function playingAt(truth: HostTruth, atMs: number): number | null {
  const events: ({ at: number } & ({ np: number | null } | { scrobble: PostedScrobble }))[] = [
    ...truth.np.map((e) => ({ at: e.toMs, np: e.kind === 'set' ? e.play : null })),
    ...truth.posted.map((p) => ({ at: p.toMs, scrobble: p })),
  ]
    .filter((e) => e.at <= atMs)
    .sort((a, b) => a.at - b.at);
  let current: number | null = null;
  let since = 0;
  for (const e of events) {
    if ('np' in e) {
      current = e.np;
      since = e.at;
    } else if (current !== null && sameTrack(e.scrobble, truth.plays[current]!.song)) {
      current = null;
    }
  }
  if (current === null) return null;
  const lapses = since + truth.plays[current]!.song.durationMs;
  return lapses <= atMs ? null : current;
}

/**
 * The lead of a window opened at `openedAt` by a request sent at `requestedAt` (Lasso reads the
 * host somewhere between the two): the play on then, whether it was scrobbled and whether
 * Lasso's rule takes it (`leadTakes`). Ambiguous when the entry changed within `toleranceMs` of
 * that span, or when an earlier play of the same track may be taken for it.
 */
export function leadAt(
  truth: HostTruth,
  requestedAt: number,
  openedAt: number,
  toleranceMs = 250,
): Lead {
  const lo = requestedAt - toleranceMs;
  const hi = openedAt + toleranceMs;
  const changes = changeSpans(truth).filter((s) => s.toMs >= lo && s.fromMs <= hi);
  if (changes.length > 0) {
    // Whatever played at some moment of the span: Lasso may have read the host then.
    const moments = [lo, hi, ...changes.flatMap((c) => [c.fromMs - 1, c.toMs + 1])];
    const plays = moments
      .filter((t) => t >= lo && t <= hi)
      .map((t) => playingAt(truth, t))
      .filter((p): p is number => p !== null && truth.plays[p]!.scrobbled);
    return { kind: 'ambiguous', plays: [...new Set(plays)] };
  }
  const play = playingAt(truth, openedAt);
  if (play === null) return { kind: 'none' };
  const p = truth.plays[play]!;
  if (!p.scrobbled) return { kind: 'none' };
  // A track played twice in a row: before the second play's scrobble lands, the newest one is
  // the first's, and without the length Lasso takes a play that started 15 s back as on.
  const before = truth.plays.slice(0, play).findLast((x) => x.scrobbled);
  if (
    before &&
    sameTrack(before.song, p.song) &&
    openedAt - before.timestamp * 1000 < MIN_SCROBBLED_PLAY_MS
  ) {
    return { kind: 'ambiguous', plays: [truth.plays.indexOf(before), play] };
  }
  return { kind: 'play', play, takes: leadTakes(p.timestamp, p.song.durationMs, openedAt) };
}

/** The scrobble `play` posted, or undefined (not scrobbled, or not posted yet). */
export function postedOf(truth: HostTruth, play: number): PostedScrobble | undefined {
  return truth.posted.find((p) => p.play === play);
}
