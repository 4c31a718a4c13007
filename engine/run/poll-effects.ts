/**
 * What a good poll writes besides the host row: the outbox rows of every follow, and the
 * now-playing fan-out (events for active follows, and which opted-in guests to update).
 */
import type { NewOutbox } from '../../store/schema.js';
import type { Trx } from './context.js';
import { nowPlayingFanout, nowPlayingKey } from '../decide/now-playing.js';
import type { PollObservation } from '../decide/poll-observe.js';
import type { EngineScrobble } from '../types.js';
import { planPollInserts } from '../decide/windows.js';
import type { GuestEvent } from '../repo/events.js';
import { recordLeads, type FollowWithWindows } from '../repo/follows.js';
import { insertOutbox, newOutboxRow, type NotAddedRow } from '../repo/outbox.js';

/** A guest to send the host's new now-playing to, after the transaction. */
export interface NowPlayingTarget {
  followId: number;
  guestId: number;
}

/** A new outbox row of `f` (`newOutboxRow`); a held guest's waits for the hold. */
function outboxRow(f: FollowWithWindows, s: EngineScrobble, now: Date): NewOutbox {
  const due = f.held_until !== null && f.held_until > now ? f.held_until : now;
  return newOutboxRow({ follow_id: f.id, guest_id: f.guest_id, due }, s, now);
}

/** What a poll inserted: the follows with the leads recorded now, and the rows not added. */
export interface InsertedScrobbles {
  follows: FollowWithWindows[];
  /** Scrobbles that cannot be copied, recorded as not added (one per guest). */
  notAdded: NotAddedRow[];
}

/**
 * The outbox rows of a poll: each follow's in-window scrobbles, then the leads matched now —
 * each recorded on its window first (a lead another poll recorded otherwise is dropped: once),
 * and inserted unless the guest has that scrobble already (as every row). A scrobble that cannot
 * be copied goes in as not added (`newOutboxRow`), beside the others. Returns the follows with
 * the leads recorded now on their windows.
 */
export async function insertScrobbles(
  trx: Trx,
  follows: readonly FollowWithWindows[],
  scrobbles: readonly EngineScrobble[],
  now: Date,
): Promise<InsertedScrobbles> {
  const byId = new Map(follows.map((f) => [f.id, f]));
  const plan = planPollInserts(
    scrobbles,
    follows.map((f) => ({ follow_id: f.id, windows: f.windows })),
  ).flatMap((p) => {
    const f = byId.get(p.follow_id);
    return f === undefined ? [] : [{ ...p, f }];
  });
  // Spans first: a lead the guest already has from a span (the same or another follow) is not
  // inserted again (`insertOutbox` keeps one row per guest and scrobble).
  const spans = await insertOutbox(
    trx,
    plan.flatMap((p) => p.scrobbles.map((s) => outboxRow(p.f, s, now))),
  );
  const leads = plan.flatMap(({ f, leads: matched }) =>
    matched.flatMap((l) =>
      l.window.id === undefined ? [] : [{ f, id: l.window.id, s: l.scrobble }],
    ),
  );
  if (leads.length === 0) return { follows: [...follows], notAdded: spans.notAdded };
  const recorded = await recordLeads(
    trx,
    leads.map((l) => ({ windowId: l.id, uts: l.s.timestamp })),
  );
  const taken = leads.filter((l) => recorded.has(l.id));
  const led = await insertOutbox(
    trx,
    taken.map((l) => outboxRow(l.f, l.s, now)),
  );
  const uts = new Map(taken.map((l) => [l.id, l.s.timestamp]));
  return {
    follows: follows.map((f) => ({
      ...f,
      windows: f.windows.map((w) => {
        const at = w.id === undefined ? undefined : uts.get(w.id);
        return at === undefined || w.lead == null ? w : { ...w, lead: { ...w.lead, uts: at } };
      }),
    })),
    notAdded: [...spans.notAdded, ...led.notAdded],
  };
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
