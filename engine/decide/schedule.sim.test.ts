/**
 * The schedule driven against a simulated host: how many polls per track it spends and how long a
 * scrobble waits at Last.fm before a poll sees it. This is the budget behind the benchmark goals.
 */
import { describe, expect, it } from 'vitest';
import { SECOND_MS } from '../../lib/clock.js';
import { seededRandom } from '../../lib/random.js';
import { engineConfig } from '../config.js';
import { observePoll } from './poll-observe.js';
import { nextPollAt } from './schedule.js';
import { hostRow, T0, win } from '../test-support/factories.js';
import type { EngineScrobble, HostRow } from '../types.js';

const cfg = engineConfig();

interface Play {
  track: string;
  start: number;
  durationMs: number;
  /** How long it really played (less when skipped). */
  playedMs: number;
  /** Scrobbled: over 30 s long and played for half its length or 4 minutes. */
  counts: boolean;
}

/**
 * Plays `durationsSec` back to back from T0; `skips[i]` plays track i for only that fraction.
 * Each counted play is scrobbled `lagMs` after it stops.
 */
function playlist(durationsSec: number[], skips: Record<number, number> = {}): Play[] {
  let start = T0;
  return durationsSec.map((d, i) => {
    const durationMs = d * SECOND_MS;
    const playedMs = Math.round(durationMs * (skips[i] ?? 1));
    const counts = d > 30 && playedMs >= Math.min(durationMs / 2, 240 * SECOND_MS);
    const play = { track: `t${i}`, start, durationMs, playedMs, counts };
    start += playedMs;
    return play;
  });
}

function simulate(plays: Play[], firstPollAt: number, lagMs: number, knownDurations = true) {
  const end = plays.at(-1)!.start + plays.at(-1)!.playedMs;
  const seenAt = new Map<string, number>();
  const durationCache = new Map<string, number>();
  let host: HostRow = hostRow();
  let t = firstPollAt;
  let polls = 0;
  let getInfoCalls = 0;
  while (t < end + lagMs + 60 * SECOND_MS) {
    polls++;
    const scrobbles: EngineScrobble[] = plays
      .filter((p) => p.counts && p.start + p.playedMs + lagMs <= t)
      .map((p) => ({
        artist: 'A',
        track: p.track,
        album: '',
        timestamp: Math.floor(p.start / 1000),
      }));
    const current = plays.find((p) => p.start <= t && t < p.start + p.playedMs);
    const nowPlaying = current
      ? { artist: 'A', track: current.track, album: '', image_url: null }
      : null;
    const snapshot = { scrobbles, nowPlaying };
    const lookup = (_a: string, track: string) => durationCache.get(track);
    let obs = observePoll(host, snapshot, new Date(t), cfg, lookup);
    const dating = knownDurations ? obs.datingScrobble : null;
    if (dating) {
      getInfoCalls++;
      durationCache.set(dating.track, plays.find((p) => p.track === dating.track)!.durationMs);
      obs = observePoll(host, snapshot, new Date(t), cfg, lookup);
    }
    host = { ...host, ...obs.patch };
    if (obs.needsDuration && current && knownDurations) {
      getInfoCalls++; // track.getInfo, then cached
      durationCache.set(current.track, current.durationMs);
      host.now_playing_duration_ms = current.durationMs;
    }
    for (const s of obs.newScrobbles) seenAt.set(s.track, t);
    const windows = [win(new Date(T0 - 1000))];
    const next = nextPollAt(host, windows, new Date(t), cfg, seededRandom(1), obs);
    t = next!.getTime();
  }
  const delays = plays
    .filter((p) => p.counts && p.start + p.playedMs + lagMs > firstPollAt)
    .map((p) => (seenAt.get(p.track) ?? Infinity) - (p.start + p.playedMs + lagMs));
  return { polls, delays, getInfoCalls };
}

const durations = [213, 187, 254, 301, 176, 240, 198, 355, 142, 268, 221, 189];

describe('polling schedule against a simulated host', () => {
  const margin = cfg.trackEndMarginMs;

  it('polls about once per track and sees each scrobble within the end margin', () => {
    const { polls, delays, getInfoCalls } = simulate(playlist(durations), T0 + 300 * SECOND_MS, 0);
    expect(delays).toHaveLength(durations.length - 1);
    for (const d of delays) expect(d).toBeLessThanOrEqual(margin);
    // One poll per track, plus one at the first poll and a couple after the playlist ends.
    expect(polls).toBeLessThanOrEqual(delays.length + 3);
    // One getInfo per new track, plus one for the scrobble that dates the first track.
    expect(getInfoCalls).toBeLessThanOrEqual(delays.length + 2);
  });

  it('catches scrobbles that land after the next track started with one extra poll', () => {
    const lag = 12 * SECOND_MS;
    const { polls, delays } = simulate(playlist(durations), T0 + 300 * SECOND_MS, lag);
    for (const d of delays) expect(d).toBeLessThanOrEqual(lag);
    expect(polls / delays.length).toBeLessThanOrEqual(2.5);
  });

  it('sees a track skipped after half its length only at its expected end (known limit)', () => {
    // Track 2 stops at 60 % (counts), 5 at 10 % (does not count), 8 at 50 % (counts).
    const plays = playlist(durations, { 2: 0.6, 5: 0.1, 8: 0.5 });
    const { polls, delays } = simulate(plays, T0 + 300 * SECOND_MS, 0);
    expect(delays).toHaveLength(durations.length - 2);
    const slow = delays.filter((d) => d > 30 * SECOND_MS);
    // The skipped track and the one after it wait up to the unplayed rest of the skipped one.
    expect(slow).toHaveLength(4);
    expect(Math.max(...slow)).toBeLessThanOrEqual(0.4 * 254 * SECOND_MS + margin);
    expect(polls / delays.length).toBeLessThanOrEqual(1.6);
  });

  it('falls back to the base interval when durations are unknown', () => {
    const { delays } = simulate(playlist(durations), T0 + 300 * SECOND_MS, 0, false);
    for (const d of delays) expect(d).toBeLessThanOrEqual(cfg.pollingIntervalMs);
  });
});
