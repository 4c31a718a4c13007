/**
 * The `track.getInfo` duration cache, shared by every host: a track's length is asked of Last.fm
 * once. A cached null means Last.fm does not know it (and is not asked again).
 */
import type { DbExecutor } from '../../store/schema.js';

/** The cache key of a track: lowercased artist and track. */
export function durationKey(artist: string, track: string): string {
  return `${artist.toLowerCase()}\u0000${track.toLowerCase()}`;
}

/** Cached durations (ms, or null when unknown to Last.fm) of `tracks`, by `durationKey`; absent when never asked. */
export async function cachedDurations(
  db: DbExecutor,
  tracks: readonly { artist: string; track: string }[],
): Promise<Map<string, number | null>> {
  const found = new Map<string, number | null>();
  const keys = new Map<string, { a: string; t: string }>();
  for (const { artist, track } of tracks) {
    keys.set(durationKey(artist, track), { a: artist.toLowerCase(), t: track.toLowerCase() });
  }
  if (keys.size === 0) return found;
  const rows = await db
    .selectFrom('track_durations')
    .select(['artist_lower', 'track_lower', 'duration_ms'])
    .where((eb) =>
      eb.or(
        [...keys.values()].map(({ a, t }) =>
          eb.and([eb('artist_lower', '=', a), eb('track_lower', '=', t)]),
        ),
      ),
    )
    .execute();
  for (const r of rows) found.set(`${r.artist_lower}\u0000${r.track_lower}`, r.duration_ms);
  return found;
}

/** Caches a duration (ms; null: Last.fm does not know it). */
export async function saveDuration(
  db: DbExecutor,
  artist: string,
  track: string,
  durationMs: number | null,
  now: Date,
): Promise<void> {
  const values = {
    artist_lower: artist.toLowerCase(),
    track_lower: track.toLowerCase(),
    duration_ms: durationMs === null ? null : Math.round(durationMs),
    fetched_at: now,
  };
  await db
    .insertInto('track_durations')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['artist_lower', 'track_lower']).doUpdateSet({
        duration_ms: values.duration_ms,
        fetched_at: now,
      }),
    )
    .execute();
}
