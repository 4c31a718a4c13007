import { describe, expect, it } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import { seededRandom } from '../../lib/random.js';
import { engineConfig } from '../config.js';
import { nextPollAt, nextUtcDay, pollingWanted } from './schedule.js';
import { at, hostRow, T0, uts, win } from '../test-support/factories.js';
import type { NowPlayingRow } from '../types.js';

const cfg = engineConfig();
const random = seededRandom(7);
const open = [win(at(-60))];
const np = (track: string, artist = 'Björk'): NowPlayingRow => ({
  artist,
  track,
  album: 'Homogenic',
  image_url: null,
});
const gap = (next: Date | null, now: Date): number => (next?.getTime() ?? NaN) - now.getTime();

describe('nextUtcDay', () => {
  it('is the coming midnight UTC', () => {
    expect(nextUtcDay(at(0)).toISOString()).toBe('2026-01-06T00:00:00.000Z');
    expect(nextUtcDay(new Date('2026-01-06T00:00:00.000Z')).toISOString()).toBe(
      '2026-01-07T00:00:00.000Z',
    );
  });
});

describe('pollingWanted', () => {
  const closed = [win(at(-30), at(0))];
  // The grace period (15 min) after a close at 0 ends at 15:00; its last look is at 14:59.
  const looked = at(14, 59);

  it('polls while a window is open and never without windows', () => {
    expect(pollingWanted(open, at(0), cfg, null)).toBe(true);
    expect(pollingWanted([], at(0), cfg, null)).toBe(false);
  });

  it('keeps polling during the grace period after the last window closed', () => {
    expect(pollingWanted(closed, at(14), cfg, at(13))).toBe(true);
  });

  it('stops at the end of the grace period once its last look succeeded', () => {
    expect(pollingWanted(closed, at(15), cfg, looked)).toBe(false);
  });

  it('keeps polling past the end while the last look has not succeeded, for `lastLookRetryMs`', () => {
    // The last good read before the last look (it failed or the process died in it), or none.
    expect(pollingWanted(closed, at(15), cfg, at(14))).toBe(true);
    expect(pollingWanted(closed, at(40), cfg, null)).toBe(true);
    const retryEnd = new Date(at(15).getTime() + cfg.lastLookRetryMs);
    expect(pollingWanted(closed, new Date(retryEnd.getTime() - 1), cfg, null)).toBe(true);
    expect(pollingWanted(closed, retryEnd, cfg, null)).toBe(false);
  });

  it('keeps polling after a scrobble that started after the close: a late one may still land', () => {
    expect(pollingWanted(closed, at(4), cfg, at(4))).toBe(true);
  });

  it('looks at the latest close among several follows', () => {
    const ws = [win(at(-30), at(-20)), win(at(-10), at(0))];
    expect(pollingWanted(ws, at(10), cfg, at(10))).toBe(true);
    expect(pollingWanted(ws, at(15), cfg, looked)).toBe(false);
  });
});

describe('nextPollAt', () => {
  it('returns null when the grace period is over: no more polling', () => {
    const host = hostRow({ now_playing: np('Jóga'), last_polled_at: at(0) });
    expect(nextPollAt(host, [win(at(-60), at(-16))], at(0), cfg, random)).toBeNull();
  });

  it('polls just after the current track is expected to end', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-1),
      now_playing_duration_ms: 5 * MINUTE_MS,
    });
    expect(nextPollAt(host, open, at(0), cfg, random)).toEqual(
      new Date(at(4).getTime() + cfg.trackEndMarginMs),
    );
  });

  it('waits at least the minimum gap when the track is about to end', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-3),
      now_playing_duration_ms: 3 * MINUTE_MS - SECOND_MS,
    });
    expect(gap(nextPollAt(host, open, at(0), cfg, random), at(0))).toBe(cfg.minPollGapMs);
  });

  it('does not wait longer than maxTrackWaitMs for a very long track', () => {
    const host = hostRow({
      now_playing: np('Mix'),
      now_playing_since: at(0),
      now_playing_duration_ms: 60 * MINUTE_MS,
    });
    const noChecks = engineConfig({ skipCheckGapOneGuestMs: 2 * 60 * MINUTE_MS });
    expect(gap(nextPollAt(host, open, at(0), noChecks, random), at(0))).toBe(cfg.maxTrackWaitMs);
  });

  it('retries a late scrobble after a few seconds, with growing gaps', () => {
    const host = (overdueMs: number) =>
      hostRow({
        now_playing: np('Jóga'),
        now_playing_since: new Date(T0 - 3 * MINUTE_MS - overdueMs),
        now_playing_duration_ms: 3 * MINUTE_MS,
      });
    const gaps = [4, 20, 30, 60, 179].map((s) =>
      gap(nextPollAt(host(s * SECOND_MS), open, at(0), cfg, random), at(0)),
    );
    expect(gaps).toEqual([5_000, 10_000, 15_000, 20_000, 20_000]);
  });

  it('looks for the end of a play known to start only within a span across it, spaced', () => {
    // Started between -3 and -1 (after a skip), 3 min long: it ends between 0 and 2:00.
    const host = hostRow({
      now_playing: np('Hunter'),
      now_playing_since: at(-3),
      now_playing_since_latest: at(-1),
      now_playing_duration_ms: 3 * MINUTE_MS,
    });
    const looks: Date[] = [];
    let now = at(-0.5);
    for (let i = 0; i < 5; i++) {
      const next = nextPollAt(host, open, now, cfg, random);
      if (next === null) throw new Error('polling stopped');
      looks.push(next);
      now = next;
    }
    // The earliest end + 4 s, then the 120 s to the latest end in three equal steps (≤ 50 s),
    // then, the play still on past its latest end, as a late scrobble (5 s).
    expect(looks).toEqual([at(0, 4), at(0, 44), at(1, 24), at(2, 4), at(2, 9)]);
  });

  it('backs off toward idleMaxIntervalMs once the track is overdue by more than its length', () => {
    const host = (overdueMs: number) =>
      hostRow({
        now_playing: np('Jóga'),
        now_playing_since: new Date(T0 - 3 * MINUTE_MS - overdueMs),
        now_playing_duration_ms: 3 * MINUTE_MS,
      });
    const gaps = [181, 200, 600].map((s) =>
      gap(nextPollAt(host(s * SECOND_MS), open, at(0), cfg, random), at(0)),
    );
    expect(gaps).toEqual([90_500, 100_000, cfg.idleMaxIntervalMs]);
  });

  it('uses the base interval when the duration or the start is unknown', () => {
    const now = at(0);
    const noDuration = hostRow({ now_playing: np('Jóga'), now_playing_since: at(-1) });
    const noStart = hostRow({ now_playing: np('Jóga'), now_playing_duration_ms: 200_000 });
    const zero = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-1),
      now_playing_duration_ms: 0,
    });
    for (const h of [noDuration, noStart, zero]) {
      expect(gap(nextPollAt(h, open, now, cfg, random), now)).toBe(cfg.pollingIntervalMs);
    }
  });

  it('backs off while the host is idle, toward idleMaxIntervalMs', () => {
    const idle = (minutes: number) => hostRow({ last_activity_at: at(-minutes) });
    const gaps = [0, 0.5, 1, 30].map((m) =>
      gap(nextPollAt(idle(m), open, at(0), cfg, random), at(0)),
    );
    expect(gaps).toEqual([cfg.pollingIntervalMs, 30_000, 60_000, cfg.idleMaxIntervalMs]);
    expect(gap(nextPollAt(hostRow(), open, at(0), cfg, random), at(0))).toBe(cfg.pollingIntervalMs);
  });

  it('backs off with jitter after failed polls, capped', () => {
    const { baseMs, capMs } = cfg.pollErrorBackoff;
    const after = (failures: number, seed: number) =>
      gap(
        nextPollAt(hostRow({ poll_failures: failures }), open, at(0), cfg, seededRandom(seed)),
        at(0),
      );
    expect(after(1, 1)).toBeGreaterThanOrEqual(baseMs / 2);
    expect(after(1, 1)).toBeLessThanOrEqual(baseMs);
    expect(after(3, 1)).toBeGreaterThanOrEqual(2 * baseMs);
    expect(after(3, 1)).toBeLessThanOrEqual(4 * baseMs);
    expect(after(30, 1)).toBeLessThanOrEqual(capMs);
    expect(new Set([1, 2, 3, 4].map((seed) => after(2, seed))).size).toBeGreaterThan(1);
  });

  it('looks again within the base interval while the previous scrobble is awaited', () => {
    const host = hostRow({
      now_playing: np('Hunter'),
      now_playing_since: at(-1),
      now_playing_duration_ms: 4 * MINUTE_MS,
    });
    const hinted = nextPollAt(host, open, at(0), cfg, random, { awaitingScrobble: true });
    expect(gap(hinted, at(0))).toBe(cfg.pollingIntervalMs);
    const idle = hostRow({ last_activity_at: at(-1, -10) });
    expect(gap(nextPollAt(idle, open, at(0), cfg, random, { awaitingScrobble: true }), at(0))).toBe(
      cfg.pollingIntervalMs,
    );
  });

  it('lets a small base interval lower the minimum gap', () => {
    const fast = engineConfig({ pollingIntervalMs: 1000 });
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: new Date(T0 - 200_000),
      now_playing_duration_ms: 200_000,
    });
    expect(gap(nextPollAt(host, open, at(0), fast, random), at(0))).toBe(1000);
  });

  it('keeps the track-end schedule during the grace period', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-1),
      now_playing_duration_ms: 3 * MINUTE_MS,
      newest_seen_uts: uts(at(-5)),
    });
    const next = nextPollAt(host, [win(at(-30), at(-0.5))], at(0), cfg, random);
    expect(next).toEqual(new Date(at(2).getTime() + cfg.trackEndMarginMs));
  });

  it('takes the last look of the grace period a second before it ends, then stops', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-1),
      now_playing_duration_ms: 8 * MINUTE_MS,
    });
    const closed = [win(at(-30), at(-10))];
    // Called after a good poll: the row says it was polled then.
    const polled = (t: Date) => ({ ...host, last_polled_at: t });
    expect(nextPollAt(polled(at(0)), closed, at(0), cfg, random)).toEqual(at(4, 59));
    expect(nextPollAt(polled(at(4, 59)), closed, at(4, 59), cfg, random)).toBeNull();
    expect(nextPollAt(polled(at(5)), closed, at(5), cfg, random)).toBeNull();
  });

  it('tries a failed last look again with back-off, past the end of the grace period', () => {
    const closed = [win(at(-30), at(-10))];
    const failed = hostRow({ poll_failures: 1, last_polled_at: at(4, 59) });
    const next = nextPollAt(failed, closed, at(4, 59), cfg, seededRandom(3));
    expect(next!.getTime()).toBeGreaterThan(at(4, 59).getTime());
    expect(next!.getTime()).toBeLessThanOrEqual(at(4, 59).getTime() + cfg.pollErrorBackoff.baseMs);
    const later = hostRow({ poll_failures: 9, last_polled_at: at(60) });
    expect(nextPollAt(later, closed, at(60), cfg, random)).not.toBeNull();
    const giveUp = new Date(at(5).getTime() + cfg.lastLookRetryMs);
    expect(
      nextPollAt({ ...later, last_polled_at: giveUp }, closed, giveUp, cfg, random),
    ).toBeNull();
  });

  it('skips the track ends after the play that was on at the close: only the last look is left', () => {
    const host = hostRow({
      now_playing: np('Hunter'),
      now_playing_since: at(-2),
      now_playing_duration_ms: 3 * MINUTE_MS,
    });
    const closed = [win(at(-30), at(-3))];
    expect(nextPollAt(host, closed, at(0), cfg, random)).toEqual(at(11, 59));
    const onAtClose = {
      ...host,
      now_playing_since: at(-4),
      now_playing_duration_ms: 5 * MINUTE_MS,
    };
    expect(nextPollAt(onAtClose, closed, at(0), cfg, random)).toEqual(at(1, 4));
  });

  it('looks for skips mid-track, only where a skip makes a scrobble, closer with more followers', () => {
    // 7 min: a skip scrobbles from 3.5 min on; 3.5 min to cover.
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(0),
      now_playing_duration_ms: 7 * MINUTE_MS,
    });
    const next = (t: Date, followers: number): Date | null =>
      nextPollAt(host, open, t, cfg, random, { followers });
    // One follower (200 s apart): one look halfway through the 210 s, then the end.
    expect(next(at(0, 4), 1)).toEqual(at(5, 15));
    expect(next(at(5, 15), 1)).toEqual(at(7, 4));
    // Five followers (150 s apart): the same 210 s in two, halfway again.
    expect(next(at(0, 4), 5)).toEqual(at(5, 15));
    const short = { ...host, now_playing_duration_ms: 4 * MINUTE_MS };
    // 4 min: 2 min to cover, less than the gap: the end only.
    expect(nextPollAt(short, open, at(0, 4), cfg, random, { followers: 5 })).toEqual(at(4, 4));
    // 6 min: 180 s to cover: one look halfway with five followers (150 s), none with one (200 s).
    const six = { ...host, now_playing_duration_ms: 6 * MINUTE_MS };
    expect(nextPollAt(six, open, at(0, 4), cfg, random, { followers: 5 })).toEqual(at(4, 30));
    expect(nextPollAt(six, open, at(0, 4), cfg, random, { followers: 1 })).toEqual(at(6, 4));
    const many = engineConfig({ skipCheckGapMs: 60 * SECOND_MS });
    expect(nextPollAt(host, open, at(0, 4), many, random, { followers: 5 })).toEqual(at(4, 22.5));
  });
});
