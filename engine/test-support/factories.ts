/** Row factories for the engine's unit tests: fresh plain objects per call, fixed simulated times. */
import { MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import type { EngineScrobble, FollowRow, HostRow, OutboxRow, WindowRow } from '../types.js';

/** 2026-01-05 18:00:00 UTC, the tests' "now" unless they say otherwise. */
export const T0 = Date.UTC(2026, 0, 5, 18, 0, 0);

/** T0 plus minutes and seconds. */
export function at(minutes: number, seconds = 0): Date {
  return new Date(T0 + minutes * MINUTE_MS + seconds * SECOND_MS);
}

/** The UNIX second of a time. */
export function uts(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** A host scrobble. */
export function scrobble(
  track: string,
  timestamp: number,
  over: Partial<EngineScrobble> = {},
): EngineScrobble {
  return { artist: 'Björk', track, album: 'Homogenic', timestamp, imageUrl: null, ...over };
}

/** A window; `closed` omitted: open. */
export function win(opened: Date, closed: Date | null = null): WindowRow {
  return { opened_at: opened, closed_at: closed };
}

/** A host row, idle and never polled unless overridden. */
export function hostRow(over: Partial<HostRow> = {}): HostRow {
  return {
    newest_seen_uts: null,
    now_playing: null,
    now_playing_since: null,
    now_playing_since_latest: null,
    now_playing_duration_ms: null,
    next_poll_at: null,
    poll_failures: 0,
    last_activity_at: null,
    last_polled_at: null,
    ...over,
  };
}

/** An active follow started at T0. */
export function followRow(over: Partial<FollowRow> = {}): FollowRow {
  return {
    id: 1,
    state: 'active',
    mirror_now_playing: true,
    stop_reason: null,
    pause_reason: null,
    started_at: at(0),
    stopped_at: null,
    last_guard_check_at: null,
    held_until: null,
    mirrored_count: 0,
    ignored_count: 0,
    ...over,
  };
}

let nextId = 1;

/** A pending outbox row due at T0, with a fresh id. */
export function outboxRow(over: Partial<OutboxRow> = {}): OutboxRow {
  return {
    id: nextId++,
    follow_id: 1,
    artist: 'Björk',
    track: 'Jóga',
    album: 'Homogenic',
    timestamp: uts(at(-10)),
    state: 'pending',
    attempts: 0,
    next_attempt_at: at(0),
    sending_since: null,
    ignored_code: null,
    last_error: null,
    image_url: null,
    ...over,
  };
}
