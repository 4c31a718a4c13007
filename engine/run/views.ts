/**
 * What a guest sees: the status of their current follow, their past follows, and one follow's
 * scrobbles page by page. Read-only queries mapped onto the view types of `engine-api.ts`; the
 * shared pieces are exported for `export-view.ts` ("Download my data").
 */
import type { DbExecutor, FollowRow, NowPlayingJson, OutboxRow } from '../../store/schema.js';
import type {
  HistoryDetail,
  HistoryEntry,
  HistoryScrobble,
  RecentScrobbleView,
  ScrobbleStatus,
  StatusView,
  TrackView,
} from '../engine-api.js';
import { windowsOf } from '../repo/follows.js';
import type { WindowRow } from '../types.js';

/** How many outbox rows the status shows. */
const RECENT_SCROBBLES = 20;
/** How many past follows the history lists. */
const HISTORY_LIMIT = 100;

/** A follow row with what the views show of its host. */
export type FollowWithHost = FollowRow & {
  host_username: string;
  host_now_playing: NowPlayingJson | null;
  host_last_polled_at: Date | null;
  host_image_url: string | null;
};

const NOT_STARTED: StatusView = {
  state: 'not_started',
  followId: null,
  targetUsername: null,
  targetImageUrl: null,
  mirrorNowPlaying: false,
  scrobbleCount: 0,
  counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
  recentScrobbles: [],
  lastPollAt: null,
  nowPlaying: null,
  stopReason: null,
  pauseReason: null,
  heldUntil: null,
  startedAt: null,
  stoppedAt: null,
};

/** The guest's follows with their host, newest first. */
export function followsQuery(db: DbExecutor, guestId: number) {
  return db
    .selectFrom('follows as f')
    .innerJoin('hosts as h', 'h.id', 'f.host_id')
    .selectAll('f')
    .select([
      'h.username as host_username',
      'h.now_playing as host_now_playing',
      'h.last_polled_at as host_last_polled_at',
      'h.image_url as host_image_url',
    ])
    .where('f.guest_id', '=', guestId)
    .orderBy('f.started_at', 'desc')
    .orderBy('f.id', 'desc');
}

/** A row's status as the guest sees it: unsettled rows of a held follow are `held`. */
export function scrobbleStatus(row: Pick<OutboxRow, 'state'>, held: boolean): ScrobbleStatus {
  switch (row.state) {
    case 'accepted':
      return 'mirrored';
    case 'ignored':
      return 'ignored';
    case 'pending':
    case 'sending':
      return held ? 'held' : 'pending';
  }
}

/** A stored row's track as shown. */
export function trackView(
  row: Pick<OutboxRow, 'artist' | 'track' | 'album' | 'image_url'>,
): TrackView {
  return { artist: row.artist, track: row.track, album: row.album, imageUrl: row.image_url };
}

/** The follow's daily-limit hold while it runs, else null. */
export function heldUntil(f: Pick<FollowRow, 'held_until'>, now: Date): Date | null {
  return f.held_until !== null && f.held_until > now ? f.held_until : null;
}

/** A scrobble of a follow as history and the export show it. */
export function historyScrobble(r: OutboxRow, held: boolean): HistoryScrobble {
  return {
    ...trackView(r),
    timestamp: r.timestamp,
    status: scrobbleStatus(r, held),
    ignoredCode: r.ignored_code,
    ignoredMessage: r.ignored_message,
    attempts: r.attempts,
    settledAt: r.settled_at?.getTime() ?? null,
  };
}

/** A recent scrobble: Last.fm's code once accepted (0 when it gave none) or ignored, else null. */
function recentScrobble(
  r: Pick<
    OutboxRow,
    | 'artist'
    | 'track'
    | 'album'
    | 'image_url'
    | 'timestamp'
    | 'state'
    | 'ignored_code'
    | 'ignored_message'
  >,
  held: boolean,
): RecentScrobbleView {
  const status = scrobbleStatus(r, held);
  const settled = status === 'mirrored' || status === 'ignored';
  return {
    ...trackView(r),
    timestamp: r.timestamp,
    status,
    ignoredCode: status === 'mirrored' ? (r.ignored_code ?? 0) : settled ? r.ignored_code : null,
    ignoredMessage: settled ? r.ignored_message : null,
  };
}

/**
 * The status of the guest's newest follow, in one statement: the follow and its host, the
 * guest's daily-cap hold, the follow's unsettled count and its newest scrobbles (one result row
 * each, the follow's columns repeated; one row with null scrobble columns when it has none).
 * A status the cache misses costs one round trip, where it cost four (bench:http, `npm run load`).
 */
export async function statusView(db: DbExecutor, guestId: number, now: Date): Promise<StatusView> {
  const newest = db
    .selectFrom('follows')
    .selectAll()
    .where('guest_id', '=', guestId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .as('f');
  const rows = await db
    .selectFrom(newest)
    .innerJoin('hosts as h', 'h.id', 'f.host_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('outbox')
          .select([
            'outbox.id',
            'outbox.artist',
            'outbox.track',
            'outbox.album',
            'outbox.image_url',
            'outbox.timestamp',
            'outbox.state',
            'outbox.ignored_code',
            'outbox.ignored_message',
          ])
          .whereRef('outbox.follow_id', '=', 'f.id')
          .orderBy('outbox.timestamp', 'desc')
          .orderBy('outbox.id', 'desc')
          .limit(RECENT_SCROBBLES)
          .as('o'),
      (join) => join.onTrue(),
    )
    .selectAll('f')
    .select((eb) => [
      'h.username as host_username',
      'h.now_playing as host_now_playing',
      'h.last_polled_at as host_last_polled_at',
      'h.image_url as host_image_url',
      // The daily cap holds the guest, whichever follow's batch ran into it.
      eb
        .selectFrom('follows as g')
        .select((e) => e.fn.max('g.held_until').as('until'))
        .where('g.guest_id', '=', guestId)
        .where('g.held_until', '>', now)
        .as('guest_held_until'),
      eb
        .selectFrom('outbox as u')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('u.follow_id', '=', 'f.id')
        .where('u.state', 'in', ['pending', 'sending'])
        .as('unsettled'),
      'o.id as o_id',
      'o.artist as o_artist',
      'o.track as o_track',
      'o.album as o_album',
      'o.image_url as o_image_url',
      'o.timestamp as o_timestamp',
      'o.state as o_state',
      'o.ignored_code as o_ignored_code',
      'o.ignored_message as o_ignored_message',
    ])
    .orderBy('o.timestamp', 'desc')
    .orderBy('o.id', 'desc')
    .execute();
  const f = rows[0];
  if (!f) return { ...NOT_STARTED };
  const held = f.guest_held_until ?? null;
  const recentScrobbles = rows.flatMap((r) =>
    r.o_id === null || r.o_state === null
      ? []
      : [
          recentScrobble(
            {
              artist: r.o_artist ?? '',
              track: r.o_track ?? '',
              album: r.o_album ?? '',
              image_url: r.o_image_url,
              timestamp: r.o_timestamp ?? 0,
              state: r.o_state,
              ignored_code: r.o_ignored_code,
              ignored_message: r.o_ignored_message,
            },
            held !== null,
          ),
        ],
  );
  const unsettled = Number(f.unsettled ?? 0);
  // A host not polled since the follow started may show a long-gone track: wait for the poll.
  const fresh = f.host_last_polled_at !== null && f.host_last_polled_at >= f.started_at;
  const np = f.state === 'active' && fresh ? f.host_now_playing : null;
  return {
    state: f.state,
    followId: f.id,
    targetUsername: f.host_username,
    targetImageUrl: f.host_image_url,
    mirrorNowPlaying: f.mirror_now_playing,
    scrobbleCount: f.mirrored_count,
    counts: {
      pending: held === null ? unsettled : 0,
      mirrored: f.mirrored_count,
      ignored: f.ignored_count,
      held: held === null ? 0 : unsettled,
    },
    recentScrobbles,
    lastPollAt: f.host_last_polled_at?.getTime() ?? null,
    nowPlaying: np
      ? { artist: np.artist, track: np.track, album: np.album, imageUrl: np.image_url }
      : null,
    stopReason: f.stop_reason,
    pauseReason: f.pause_reason,
    heldUntil: held?.getTime() ?? null,
    startedAt: f.started_at.getTime(),
    stoppedAt: f.stopped_at?.getTime() ?? null,
  };
}

function historyEntry(
  f: FollowWithHost,
  windows: readonly WindowRow[],
  pending: number,
): HistoryEntry {
  return {
    followId: f.id,
    targetUsername: f.host_username,
    state: f.state,
    startedAt: f.started_at.getTime(),
    stoppedAt: f.stopped_at?.getTime() ?? null,
    stopReason: f.stop_reason,
    mirroredCount: f.mirrored_count,
    ignoredCount: f.ignored_count,
    pendingCount: pending,
    windows: windows.map((w) => ({
      openedAt: w.opened_at.getTime(),
      closedAt: w.closed_at?.getTime() ?? null,
    })),
  };
}

/** Unsettled rows per follow. */
async function pendingCounts(
  db: DbExecutor,
  followIds: readonly number[],
): Promise<Map<number, number>> {
  if (followIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('outbox')
    .select(['follow_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('follow_id', 'in', followIds)
    .where('state', 'in', ['pending', 'sending'])
    .groupBy('follow_id')
    .execute();
  return new Map(rows.map((r) => [r.follow_id, Number(r.n)]));
}

/** History entries of these follows (their windows and unsettled counts read in two queries). */
export async function entries(
  db: DbExecutor,
  follows: readonly FollowWithHost[],
): Promise<HistoryEntry[]> {
  const ids = follows.map((f) => f.id);
  const [windows, pending] = [await windowsOf(db, ids), await pendingCounts(db, ids)];
  return follows.map((f) => historyEntry(f, windows.get(f.id) ?? [], pending.get(f.id) ?? 0));
}

/** The guest's follows, newest first (at most 100). */
export async function historyView(db: DbExecutor, guestId: number): Promise<HistoryEntry[]> {
  return entries(db, await followsQuery(db, guestId).limit(HISTORY_LIMIT).execute());
}

/** One of the guest's follows with a page of its scrobbles (newest first); null when not theirs. */
export async function historyDetailView(
  db: DbExecutor,
  guestId: number,
  followId: number,
  page: number,
  perPage: number,
  now: Date,
): Promise<HistoryDetail | null> {
  const f = await followsQuery(db, guestId).where('f.id', '=', followId).executeTakeFirst();
  if (!f) return null;
  const [entry] = await entries(db, [f]);
  if (!entry) return null;
  const size = Math.max(1, Math.floor(perPage));
  const at = Math.max(1, Math.floor(page));
  const rows = await db
    .selectFrom('outbox')
    .selectAll()
    .where('follow_id', '=', f.id)
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .limit(size)
    .offset((at - 1) * size)
    .execute();
  const total = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('follow_id', '=', f.id)
    .executeTakeFirstOrThrow();
  const held = heldUntil(f, now) !== null;
  const scrobbles = rows.map((r) => historyScrobble(r, held));
  return { entry, scrobbles, page: at, perPage: size, total: Number(total.n) };
}
