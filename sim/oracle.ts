/**
 * The oracle: what each guest's Last.fm library must hold after a run — exactly the host
 * scrobbles whose start (timestamp × 1000) lies in one of the guest's windows `[opened, closed)`
 * of a follow of that host, plus for each window the scrobble of the host's play going on when
 * it opened (the guest heard it; not for a catch-up window, which opens in the past) — and how a
 * library differs from it. Written apart from the engine's own window code, from the simulated
 * truth (the host's plays), so the two check each other.
 */
import { isScrobbled, playEndMs, scrobbleOf, type HostScrobble, type Play } from './listening.js';

/** A listening window of a follow (ms); `closedAt` null = still open. */
export interface SimWindow {
  openedAt: number;
  closedAt: number | null;
  /** Opened in the past by a catch-up: the play going on then is not the guest's. */
  catchUp?: boolean;
}

/** What the simulation knows of a host: every play, and when each scrobble appeared at Last.fm. */
export interface HostTruth {
  plays: readonly Play[];
  /** scrobbleKey → when it appeared (ms). */
  appearedAt: ReadonlyMap<string, number>;
}

/** One follow of a guest, as the policy under test reports it. */
export interface SimFollow {
  host: string;
  windows: SimWindow[];
}

/** A row of a Last.fm library (the emulator's control API shape). */
export interface LibraryRow {
  artist: string;
  track: string;
  album: string;
  timestamp: number;
}

/** Last.fm's identity of a scrobble: (timestamp, artist, track), exact. */
export function scrobbleKey(s: { timestamp: number; artist: string; track: string }): string {
  return `${s.timestamp}\u0000${s.artist}\u0000${s.track}`;
}

/** True when a scrobble that started at `timestamp` (UNIX s) lies in the window. */
export function inSimWindow(timestamp: number, w: SimWindow): boolean {
  const t = timestamp * 1000;
  return w.openedAt <= t && (w.closedAt === null || t < w.closedAt);
}

const fold = (s: string): string => s.toLowerCase();

/**
 * The play of the host going on at `at` (ms) that ended in a scrobble, as Last.fm showed it then,
 * or null. Started before `at` and not over yet; and Last.fm still showing it: a scrobble of the
 * same track (names compared case-insensitively, as Last.fm does) that appeared after the play
 * started ends the now-playing entry, and Lasso knows what plays only from that entry.
 */
export function leadPlay(truth: HostTruth, at: number): Play | null {
  const play = truth.plays.find((p) => p.startMs < at && at < playEndMs(p));
  if (!play || !isScrobbled(play)) return null;
  const same = (k: string): boolean => {
    const [, artist = '', track = ''] = k.split('\u0000');
    return fold(artist) === fold(play.song.artist) && fold(track) === fold(play.song.track);
  };
  for (const [k, appeared] of truth.appearedAt) {
    if (appeared > play.startMs && appeared <= at && same(k)) return null;
  }
  return play;
}

/** A scrobbled play lasts at least this long (Last.fm scrobbles only tracks over 30 s). */
const MIN_SCROBBLED_PLAY_MS = 15 * 1000;

/**
 * Whether the lead `play`, on at `at`, must be mirrored. Lasso sees only a now-playing entry and,
 * later, scrobbles; it takes a scrobble for the joining track only when that play cannot have
 * ended before `at` (it was scrobbled, so it played at least half its length or 4 minutes), since
 * an earlier play of the same track skipped after its scrobble point and a replay skipped before
 * its own look the same from outside. So: `'must'` when the play had started under 15 s before
 * (sure whatever Lasso knows of its length), `'may'` while under its scrobble point (sure only if
 * Lasso could learn the length from `track.getInfo`), and `'never'` after it (Lasso cannot be
 * sure: it leaves the track out rather than risk one the guest did not hear).
 */
export function leadCertainty(play: Play, at: number): 'must' | 'may' | 'never' {
  // From the scrobble's timestamp (whole seconds), as Lasso sees it.
  const into = at - Math.floor(play.startMs / 1000) * 1000;
  if (into < MIN_SCROBBLED_PLAY_MS) return 'must';
  const d = play.song.durationS;
  return into < Math.min(d / 2, 240) * 1000 ? 'may' : 'never';
}

/** What a guest's library must hold, and the joining tracks it may hold or not (`leadCertainty`). */
export interface Expectation {
  required: HostScrobble[];
  optional: HostScrobble[];
}

/**
 * The scrobbles a guest must end up with, each once: every host scrobble inside one of its
 * follows' windows (windows of two follows may overlap — a catch-up reaching back into an
 * earlier follow's window — and the profile gets such a scrobble once), then each window's lead
 * (`leadPlay` at its opening) — a track playing across a pause and resume, or a re-start, is
 * heard once — when `leadCertainty` says it must be; see `expectation` for the optional ones.
 * Without `truth` for a host, no leads.
 */
export function expectedScrobbles(
  follows: readonly SimFollow[],
  hostScrobbles: ReadonlyMap<string, readonly HostScrobble[]>,
  truth: ReadonlyMap<string, HostTruth> = new Map(),
): HostScrobble[] {
  return expectation(follows, hostScrobbles, truth).required;
}

/** `expectedScrobbles`, with the leads a guest may hold or not beside them. */
export function expectation(
  follows: readonly SimFollow[],
  hostScrobbles: ReadonlyMap<string, readonly HostScrobble[]>,
  truth: ReadonlyMap<string, HostTruth> = new Map(),
): Expectation {
  const out = new Map<string, HostScrobble>();
  const optional = new Map<string, HostScrobble>();
  for (const f of follows) {
    for (const s of hostScrobbles.get(f.host) ?? []) {
      if (f.windows.some((w) => inSimWindow(s.timestamp, w)) && !out.has(scrobbleKey(s)))
        out.set(scrobbleKey(s), s);
    }
  }
  for (const f of follows) {
    const host = truth.get(f.host);
    for (const w of f.windows) {
      const play = host && !w.catchUp ? leadPlay(host, w.openedAt) : null;
      if (!play) continue;
      const certainty = leadCertainty(play, w.openedAt);
      const key = scrobbleKey(scrobbleOf(play));
      const s = hostScrobbles.get(f.host)?.find((x) => scrobbleKey(x) === key);
      if (!s || out.has(key) || certainty === 'never') continue;
      if (certainty === 'must') out.set(key, s);
      else optional.set(key, s);
    }
  }
  for (const key of out.keys()) optional.delete(key);
  return { required: [...out.values()], optional: [...optional.values()] };
}

/** How a library differs from what was expected. */
export interface Comparison {
  /** Expected rows that are in the library (counted once each). */
  mirrored: number;
  /** Expected rows absent from the library. */
  missing: HostScrobble[];
  /** Library rows that no window covers (nothing the guest heard). */
  outsideWindow: LibraryRow[];
  /** Library rows beyond the first of the same key (the emulator keeps one, so normally none). */
  duplicateRows: LibraryRow[];
  /** Expected rows present with another album than the host's. */
  albumMismatch: Array<{ expected: HostScrobble; got: LibraryRow }>;
  /** Expected keys listed more than once (a caller's list that is not a set). */
  expectedTwice: HostScrobble[];
}

/**
 * Compares a guest's library with its expected scrobbles as multisets of keys; an `optional`
 * scrobble may be there (once) or not.
 */
export function compareLibrary(
  expected: readonly HostScrobble[],
  library: readonly LibraryRow[],
  optional: readonly HostScrobble[] = [],
): Comparison {
  const allowed = new Set(optional.map(scrobbleKey));
  const want = new Map<string, HostScrobble>();
  const expectedTwice: HostScrobble[] = [];
  for (const s of expected) {
    const k = scrobbleKey(s);
    if (want.has(k)) expectedTwice.push(s);
    else want.set(k, s);
  }
  const seen = new Set<string>();
  const outsideWindow: LibraryRow[] = [];
  const duplicateRows: LibraryRow[] = [];
  const albumMismatch: Comparison['albumMismatch'] = [];
  for (const row of library) {
    const k = scrobbleKey(row);
    if (seen.has(k)) {
      duplicateRows.push(row);
      continue;
    }
    seen.add(k);
    const exp = want.get(k);
    if (!exp && !allowed.has(k)) outsideWindow.push(row);
    else if (!exp) continue;
    else if (exp.album !== row.album) albumMismatch.push({ expected: exp, got: row });
  }
  const missing = [...want.entries()].filter(([k]) => !seen.has(k)).map(([, s]) => s);
  return {
    mirrored: want.size - missing.length,
    missing,
    outsideWindow,
    duplicateRows,
    albumMismatch,
    expectedTwice,
  };
}

/** True when the library is exactly what was expected. */
export function isExact(c: Comparison): boolean {
  return (
    c.missing.length === 0 &&
    c.outsideWindow.length === 0 &&
    c.duplicateRows.length === 0 &&
    c.albumMismatch.length === 0 &&
    c.expectedTwice.length === 0
  );
}
