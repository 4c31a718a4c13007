/**
 * What a good poll writes besides the host row: the outbox rows of every follow, and the
 * now-playing fan-out (events for active follows, and which opted-in guests to update).
 */
import type { Trx } from './context.js';
import { nowPlayingFanout, nowPlayingKey } from './now-playing.js';
import type { PollObservation } from './poll-observe.js';
import type { EngineScrobble } from './types.js';
import { planPollInserts } from './windows.js';
import type { GuestEvent } from './repo/events.js';
import type { FollowWithWindows } from './repo/follows.js';
import { insertOutbox } from './repo/outbox.js';

/** A guest to send the host's new now-playing to, after the transaction. */
export interface NowPlayingTarget {
  followId: number;
  guestId: number;
}

/** The outbox rows of a poll: each follow's in-window scrobbles; a held guest's wait for the hold. */
export async function insertScrobbles(
  trx: Trx,
  follows: readonly FollowWithWindows[],
  scrobbles: readonly EngineScrobble[],
  now: Date,
): Promise<void> {
  const byId = new Map(follows.map((f) => [f.id, f]));
  const plan = planPollInserts(
    scrobbles,
    follows.map((f) => ({ follow_id: f.id, windows: f.windows })),
  );
  const rows = plan.flatMap(({ follow_id, scrobbles: picked }) => {
    const f = byId.get(follow_id);
    if (f === undefined) return [];
    const due = f.held_until !== null && f.held_until > now ? f.held_until : now;
    return picked.map((s) => ({
      follow_id,
      guest_id: f.guest_id,
      artist: s.artist,
      track: s.track,
      album: s.album,
      timestamp: s.timestamp,
      image_url: s.imageUrl ?? null,
      state: 'pending' as const,
      next_attempt_at: due,
      created_at: now,
    }));
  });
  await insertOutbox(trx, rows);
}

/**
 * Now-playing events for every active follow when it changed, and the opted-in guests whose
 * profile does not show this track yet: all of them on a change, and a follower who joined
 * since (their `last_now_playing_key` differs).
 */
export async function fanOutNowPlaying(
  trx: Trx,
  open: readonly FollowWithWindows[],
  obs: PollObservation,
): Promise<{ events: GuestEvent[]; targets: NowPlayingTarget[] }> {
  const np = obs.patch.now_playing;
  const fan = nowPlayingFanout(open, np, obs.nowPlayingChanged);
  const guestOf = new Map(open.map((f) => [f.id, f.guest_id]));
  const events = fan.events.map((event) => ({ guestId: guestOf.get(event.follow_id) ?? 0, event }));
  // Postgres text cannot hold the key's NUL separator.
  const key = nowPlayingKey(np)?.replaceAll('\u0000', '\u001f') ?? null;
  if (np === null || key === null) return { events, targets: [] };
  const updated = new Set(fan.update);
  const targets = open
    .filter((f) => f.state === 'active' && f.mirror_now_playing)
    .filter((f) => updated.has(f.id) || f.last_now_playing_key !== key)
    .map((f) => ({ followId: f.id, guestId: f.guest_id }));
  if (targets.length > 0) {
    await trx
      .updateTable('follows')
      .set({ last_now_playing_key: key })
      .where(
        'id',
        'in',
        targets.map((t) => t.followId),
      )
      .execute();
  }
  return { events, targets };
}
