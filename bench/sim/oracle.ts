/**
 * The oracle: what each guest's Last.fm library must hold after a run — exactly the host
 * scrobbles whose start (timestamp × 1000) lies in one of the guest's windows `[opened, closed)`
 * of a follow of that host — and how a library differs from it. Written apart from the engine's
 * own window code, so the two check each other.
 */
import type { HostScrobble } from './listening.js';

/** A listening window of a follow (ms); `closedAt` null = still open. */
export interface SimWindow {
  openedAt: number;
  closedAt: number | null;
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

/** The scrobbles a guest must end up with: each host scrobble inside one of its follows' windows. */
export function expectedScrobbles(
  follows: readonly SimFollow[],
  hostScrobbles: ReadonlyMap<string, readonly HostScrobble[]>,
): HostScrobble[] {
  const out: HostScrobble[] = [];
  for (const f of follows) {
    for (const s of hostScrobbles.get(f.host) ?? []) {
      if (f.windows.some((w) => inSimWindow(s.timestamp, w))) out.push(s);
    }
  }
  return out;
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
  /** Expected keys listed more than once (two windows or hosts claiming one scrobble). */
  expectedTwice: HostScrobble[];
}

/** Compares a guest's library with its expected scrobbles as multisets of keys. */
export function compareLibrary(
  expected: readonly HostScrobble[],
  library: readonly LibraryRow[],
): Comparison {
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
    if (!exp) outsideWindow.push(row);
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
