/** Contract-shaped values for component tests: a fresh copy each call, overridable field by field. */
import type {
  AppInfo,
  FollowSummary,
  MeResponse,
  RecentScrobble,
  StatusResponse,
} from '../../../contract/index.js';

/** 2026-12-05 21:40 UTC, the tests' "now". */
export const NOW = Date.UTC(2026, 11, 5, 21, 40);

export function info(over: Partial<AppInfo> = {}): AppInfo {
  return {
    demo: false,
    demo_host: null,
    history_days: 30,
    max_follow_hours: 12,
    idle_stop_minutes: 30,
    catch_up_max_hours: 12,
    catch_up_max_scrobbles: 50,
    ...over,
  };
}

export function me(username = 'alex'): MeResponse {
  return { username, demo: false };
}

export function scrobble(over: Partial<RecentScrobble> = {}): RecentScrobble {
  return {
    artist: 'Björk',
    track: 'Jóga',
    album: 'Homogenic',
    timestamp: Math.floor(NOW / 1000) - 600,
    image_url: null,
    status: 'mirrored',
    lastfm_code: 0,
    lastfm_message: null,
    ...over,
  };
}

/** No follow yet. */
export function idle(): StatusResponse {
  return {
    state: 'not_started',
    follow_id: null,
    target_username: null,
    target_image_url: null,
    mirror_now_playing: false,
    scrobble_count: 0,
    counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
    recent_scrobbles: [],
    last_poll: null,
    now_playing: null,
    stop_reason: null,
    pause_reason: null,
    held_until: null,
    started_at: null,
    ended_at: null,
  };
}

/** Following maya, two tracks in. */
export function following(over: Partial<StatusResponse> = {}): StatusResponse {
  return {
    ...idle(),
    state: 'active',
    follow_id: '7',
    target_username: 'maya',
    scrobble_count: 2,
    counts: { pending: 1, mirrored: 2, ignored: 0, held: 0 },
    recent_scrobbles: [
      scrobble({ track: 'Hoppípolla', artist: 'Sigur Rós', status: 'pending', lastfm_code: null }),
      scrobble({ track: 'Jóga', timestamp: Math.floor(NOW / 1000) - 900 }),
      scrobble({ track: 'Venom', artist: 'Little Simz', timestamp: Math.floor(NOW / 1000) - 1200 }),
    ],
    last_poll: NOW - 5_000,
    now_playing: {
      artist: 'Tame Impala',
      track: 'Let It Happen',
      album: 'Currents',
      image_url: null,
    },
    started_at: NOW - 3_600_000,
    ...over,
  };
}

/** A stopped follow of maya, for the summary line and stop banners. */
export function stopped(over: Partial<StatusResponse> = {}): StatusResponse {
  return {
    ...following(),
    state: 'stopped',
    now_playing: null,
    counts: { pending: 0, mirrored: 14, ignored: 1, held: 0 },
    scrobble_count: 14,
    stop_reason: 'stopped_by_user',
    ended_at: NOW - 60_000,
    ...over,
  };
}

export function followSummary(over: Partial<FollowSummary> = {}): FollowSummary {
  return {
    id: '7',
    target_username: 'maya',
    state: 'stopped',
    started_at: NOW - 3_600_000,
    ended_at: NOW - 60_000,
    stop_reason: 'jam_ended',
    pause_reason: null,
    mirror_now_playing: false,
    windows: [{ started_at: NOW - 3_600_000, ended_at: NOW - 60_000 }],
    counts: { pending: 0, mirrored: 14, ignored: 1, held: 0 },
    ...over,
  };
}
