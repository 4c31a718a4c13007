/**
 * The baseline: what the original design's polling engine does (docs/decisions/0002), with the
 * Lasso client against the same emulator, for the engine bench to compare with. One scheduler
 * wakes every 20 s and, for each *guest* whose session is active, calls `user.getRecentTracks`
 * on the host (limit 50, `from` = the time of the guest's last successful mirror, none at first —
 * so the first poll takes the host's last 50 scrobbles: a backfill), then scrobbles every track
 * not in the guest's cache with one `track.scrobble` call per track. No now-playing, no catch-up,
 * state in memory. Paused sessions are not polled; resuming keeps the cache and `from`.
 */
import type { Clock } from '../lib/clock.js';
import type { LastfmApi } from '../lastfm/types.js';
import type { FollowPolicy, PolicyFollow, SimGuest, SimStartOptions } from './policy.js';
import type { SimWindow } from './oracle.js';

/** The original `POLLING_INTERVAL_MS` default. */
export const BASELINE_INTERVAL_MS = 20_000;
/** The original poll's `limit`. */
const LIMIT = 50;

/** One guest's in-memory following session, as the original keeps it. */
interface Session {
  host: string;
  state: 'active' | 'paused' | 'stopped';
  /** ms of the last successful mirror; 0 = never (the original's `:last-poll`). */
  lastPoll: number;
  cache: Set<string>;
  windows: SimWindow[];
}

/** Options of `BaselinePolicy`. */
export interface BaselineOptions {
  lastfm: LastfmApi;
  clock: Clock;
  intervalMs?: number;
  /**
   * Poll with `from` = last successful mirror, as the original does (default true). That skips
   * the track that was already playing at each mirror; false polls without `from` (the last 50).
   */
  fromLastPoll?: boolean;
}

/** The original design's per-guest polling, as a simulation policy. */
export class BaselinePolicy implements FollowPolicy {
  private readonly sessions = new Map<number, Session[]>();
  private nextTick: number;
  /** Polls and scrobbles that failed (logged and skipped by the original). */
  failures = 0;

  constructor(private readonly opts: BaselineOptions) {
    this.nextTick = opts.clock.now() + this.interval();
  }

  async runDue(): Promise<number | null> {
    const now = this.opts.clock.now();
    if (now < this.nextTick) return this.nextTick;
    for (const [guestId, list] of this.sessions) {
      const s = list[list.length - 1];
      if (s?.state === 'active') await this.poll(guestId, s);
    }
    this.nextTick = this.opts.clock.now() + this.interval();
    return this.nextTick;
  }

  async start(guest: SimGuest, host: string, _opts: SimStartOptions): Promise<void> {
    const list = this.sessions.get(guest.id) ?? [];
    const open = list[list.length - 1];
    if (open && open.state !== 'stopped') this.close(open, 'stopped');
    const now = this.opts.clock.now();
    list.push({
      host,
      state: 'active',
      lastPoll: 0,
      cache: new Set(),
      windows: [{ openedAt: now, closedAt: null }],
    });
    this.sessions.set(guest.id, list);
    this.keys.set(guest.id, guest.sessionKey);
  }

  async pause(guest: SimGuest): Promise<void> {
    const s = this.openSession(guest, 'active');
    this.close(s, 'paused');
  }

  async resume(guest: SimGuest): Promise<void> {
    const s = this.openSession(guest, 'paused');
    s.state = 'active';
    s.windows.push({ openedAt: this.opts.clock.now(), closedAt: null });
  }

  async stop(guest: SimGuest): Promise<void> {
    const s = this.sessions.get(guest.id)?.at(-1);
    if (!s || s.state === 'stopped') throw new Error('INVALID_STATE: not following');
    this.close(s, 'stopped');
  }

  async follows(guest: SimGuest): Promise<PolicyFollow[]> {
    return (this.sessions.get(guest.id) ?? []).map((s) => ({
      host: s.host,
      windows: s.windows.map((w) => ({ ...w })),
      state: s.state,
      stopReason: s.state === 'stopped' ? 'stopped_by_user' : null,
    }));
  }

  private readonly keys = new Map<number, string>();

  private interval(): number {
    return this.opts.intervalMs ?? BASELINE_INTERVAL_MS;
  }

  private openSession(guest: SimGuest, state: Session['state']): Session {
    const s = this.sessions.get(guest.id)?.at(-1);
    if (!s || s.state !== state) throw new Error(`INVALID_STATE: session is not ${state}`);
    return s;
  }

  private close(s: Session, state: 'paused' | 'stopped'): void {
    const w = s.windows.at(-1);
    if (s.state === 'active' && w && w.closedAt === null) w.closedAt = this.opts.clock.now();
    s.state = state;
  }

  /** The original `process-new-scrobbles`. */
  private async poll(guestId: number, s: Session): Promise<void> {
    const sk = this.keys.get(guestId);
    if (!sk) return;
    const useFrom = (this.opts.fromLastPoll ?? true) && s.lastPoll > 0;
    let tracks;
    try {
      const query = {
        user: s.host,
        limit: LIMIT,
        ...(useFrom ? { from: Math.floor(s.lastPoll / 1000) } : {}),
      };
      tracks = (await this.opts.lastfm.getRecentTracks(query)).scrobbles;
    } catch {
      this.failures += 1;
      return;
    }
    for (const t of tracks) {
      const id = `${t.artist}|${t.track}|${t.timestamp}`;
      if (s.cache.has(id)) continue;
      try {
        const item = {
          artist: t.artist,
          track: t.track,
          timestamp: t.timestamp,
          ...(t.album ? { album: t.album } : {}),
        };
        await this.opts.lastfm.scrobble(sk, [item]);
      } catch {
        this.failures += 1;
        continue;
      }
      s.cache.add(id);
      s.lastPoll = this.opts.clock.now();
    }
  }
}
