import { MINUTE_MS } from '../../lib/clock.js';
import { describe, expect, it } from 'vitest';
import { engineConfig } from '../config.js';
import { observePoll, observePollFailure, type DurationLookup } from './poll-observe.js';
import { at, hostRow, scrobble, uts } from '../test-support/factories.js';
import type { NowPlayingRow } from '../types.js';

const cfg = engineConfig();
const np = (track: string): NowPlayingRow => ({
  artist: 'Björk',
  track,
  album: 'Homogenic',
  image_url: null,
});
const cache =
  (durations: Record<string, number>): DurationLookup =>
  (_artist, track) =>
    durations[track];

describe('observePoll: scrobbles and activity', () => {
  it('reports only scrobbles newer than the newest seen, once each', () => {
    const host = hostRow({ newest_seen_uts: 200, last_polled_at: at(-1) });
    const list = [scrobble('old', 200), scrobble('new', 300), scrobble('new', 300)];
    const obs = observePoll(host, { scrobbles: list, nowPlaying: null }, at(0), cfg);
    expect(obs.newScrobbles.map((s) => s.track)).toEqual(['new']);
    expect(obs.patch).toMatchObject({ newest_seen_uts: 300, last_activity_at: at(0) });
  });

  it('keeps the last activity when nothing plays and nothing is new', () => {
    const host = hostRow({
      newest_seen_uts: 200,
      last_activity_at: at(-7),
      last_polled_at: at(-1),
    });
    const obs = observePoll(
      host,
      { scrobbles: [scrobble('old', 200)], nowPlaying: null },
      at(0),
      cfg,
    );
    expect(obs.patch).toMatchObject({
      newest_seen_uts: 200,
      last_activity_at: at(-7),
      poll_failures: 0,
    });
    expect(obs).toMatchObject({ newScrobbles: [], nowPlayingChanged: false, needsDuration: false });
  });

  it('leaves the newest seen empty on an empty history', () => {
    const obs = observePoll(hostRow(), { scrobbles: [], nowPlaying: null }, at(0), cfg);
    expect(obs.patch.newest_seen_uts).toBeNull();
  });

  it('counts a failed poll', () => {
    expect(observePollFailure({ poll_failures: 2 }, at(0))).toEqual({
      poll_failures: 3,
      last_polled_at: at(0),
    });
  });
});

describe('observePoll: when the now-playing track started', () => {
  it('leaves the start unknown on a first poll that finds a track mid-way', () => {
    const snap = { scrobbles: [scrobble('a', 100)], nowPlaying: np('Jóga') };
    const obs = observePoll(hostRow(), snap, at(0), cfg);
    expect(obs.patch).toMatchObject({
      newest_seen_uts: 100,
      now_playing: np('Jóga'),
      now_playing_since: null,
      now_playing_duration_ms: null,
      last_activity_at: at(0),
      last_polled_at: at(0),
    });
    expect(obs).toMatchObject({ nowPlayingChanged: true, needsDuration: true });
  });

  it('asks for the duration of the scrobble that would date a first-seen track', () => {
    const before = scrobble('Jóga', uts(at(-4)));
    const obs = observePoll(
      hostRow(),
      { scrobbles: [before], nowPlaying: np('Hunter') },
      at(0),
      cfg,
    );
    expect(obs.datingScrobble).toEqual(before);
    expect(obs.patch.now_playing_since).toBeNull();
  });

  it('dates a first-seen track from a cached duration of the scrobble before it', () => {
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-4)))], nowPlaying: np('Hunter') };
    const obs = observePoll(hostRow(), snap, at(0), cfg, cache({ Jóga: 180_000, Hunter: 250_000 }));
    expect(obs.patch).toMatchObject({
      now_playing_since: at(-1),
      now_playing_duration_ms: 250_000,
    });
    expect(obs).toMatchObject({ needsDuration: false, datingScrobble: null });
  });

  it('does not date a first-seen track from a scrobble too long ago to be its predecessor', () => {
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-60)))], nowPlaying: np('Hunter') };
    const obs = observePoll(hostRow(), snap, at(0), cfg, cache({ Jóga: 180_000 }));
    expect(obs.patch.now_playing_since).toBeNull();
    expect(obs.datingScrobble).toBeNull();
  });

  it('keeps the start and duration while the same track plays', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-2),
      now_playing_duration_ms: 300_000,
      last_polled_at: at(-1),
    });
    const obs = observePoll(host, { scrobbles: [], nowPlaying: np('JÓGA ') }, at(0), cfg);
    expect(obs.patch).toMatchObject({
      now_playing_since: at(-2),
      now_playing_duration_ms: 300_000,
    });
    expect(obs).toMatchObject({ nowPlayingChanged: false, needsDuration: false });
  });

  it("dates a new track from the previous track's scrobble plus its duration", () => {
    // Jóga started 17:56:30 and lasts 305 s, so Hunter began at 18:01:35.
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-3, -25),
      now_playing_duration_ms: 305_000,
      last_polled_at: at(-3, -20),
    });
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-3, -30)))], nowPlaying: np('Hunter') };
    const obs = observePoll(host, snap, at(1, 40), cfg);
    expect(obs.patch).toMatchObject({
      now_playing_since: at(1, 35),
      now_playing_since_latest: null,
    });
    expect(obs).toMatchObject({
      nowPlayingChanged: true,
      needsDuration: true,
      awaitingScrobble: false,
    });
  });

  it("says the previous track's scrobble is awaited when the track changed without it", () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-3),
      now_playing_duration_ms: 180_000,
      last_polled_at: at(-3),
    });
    const obs = observePoll(host, { scrobbles: [], nowPlaying: np('Hunter') }, at(0, 4), cfg);
    expect(obs.awaitingScrobble).toBe(true);
    const idle = hostRow({ last_polled_at: at(-1) });
    const fromIdle = observePoll(idle, { scrobbles: [], nowPlaying: np('Hunter') }, at(0), cfg);
    expect(fromIdle.awaitingScrobble).toBe(false);
  });

  it('never dates a new track before the previous poll or after now', () => {
    const base = { now_playing: np('Jóga'), now_playing_since: at(-10), last_polled_at: at(-1) };
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-10)))], nowPlaying: np('Hunter') };
    const short = observePoll(
      hostRow({ ...base, now_playing_duration_ms: 60_000 }),
      snap,
      at(0),
      cfg,
    );
    // The previous play ended before the previous poll: this one began in (-1, 0], kept as such.
    expect(short.patch).toMatchObject({
      now_playing_since: at(-1),
      now_playing_since_latest: at(0),
    });
    const long = observePoll(
      hostRow({ ...base, now_playing_duration_ms: 3_600_000 }),
      snap,
      at(0),
      cfg,
    );
    // Its expected end is still to come: skipped, between the previous poll and now.
    expect(long.patch).toMatchObject({
      now_playing_since: at(-1),
      now_playing_since_latest: at(0),
    });
  });

  it('dates the play after a skip no earlier than the skipped track could have scrobbled', () => {
    // A 10-minute track from -6 min: it scrobbles after 4 min (-2), and the previous poll was at -5.
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-6),
      now_playing_duration_ms: 10 * MINUTE_MS,
      last_polled_at: at(-5),
    });
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-6)))], nowPlaying: np('Hunter') };
    const obs = observePoll(host, snap, at(0), cfg);
    // Between -2 (the earliest it could have scrobbled) and now; not put midway at -1.
    expect(obs.patch).toMatchObject({ now_playing_since: at(-2), now_playing_since_latest: at(0) });
  });

  it('does not wait for the scrobble of a track skipped well before its end', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-2),
      now_playing_duration_ms: 6 * MINUTE_MS,
      last_polled_at: at(-1),
    });
    const obs = observePoll(host, { scrobbles: [], nowPlaying: np('Hunter') }, at(0), cfg);
    expect(obs.awaitingScrobble).toBe(false);
    const ended = observePoll(host, { scrobbles: [], nowPlaying: np('Hunter') }, at(3, 30), cfg);
    expect(ended.awaitingScrobble).toBe(true);
  });

  it('never dates a new track earlier than now minus its own duration', () => {
    const host = hostRow({ now_playing: np('Jóga'), last_polled_at: at(-5) });
    const obs = observePoll(
      host,
      { scrobbles: [], nowPlaying: np('Hunter') },
      at(0),
      cfg,
      cache({ Hunter: 120_000 }),
    );
    // Between now − 2 min (its own length) and now.
    expect(obs.patch).toMatchObject({ now_playing_since: at(-2), now_playing_since_latest: at(0) });
  });

  it('keeps the span since the previous poll when the old track left no scrobble', () => {
    const host = hostRow({
      now_playing: np('Skipped'),
      now_playing_since: at(-1),
      last_polled_at: at(-1),
    });
    const obs = observePoll(host, { scrobbles: [], nowPlaying: np('Hunter') }, at(0), cfg);
    expect(obs.patch).toMatchObject({ now_playing_since: at(-1), now_playing_since_latest: at(0) });
  });

  it('keeps the span while the same track plays, and drops it when the next is dated', () => {
    const host = hostRow({
      now_playing: np('Hunter'),
      now_playing_since: at(-4),
      now_playing_since_latest: at(-2),
      now_playing_duration_ms: 250_000,
      last_polled_at: at(-1),
    });
    const same = observePoll(host, { scrobbles: [], nowPlaying: np('Hunter') }, at(0), cfg);
    expect(same.patch).toMatchObject({
      now_playing_since: at(-4),
      now_playing_since_latest: at(-2),
    });
    // Hunter's scrobble (-4) plus its 250 s dates the next play exactly.
    const next = { scrobbles: [scrobble('Hunter', uts(at(-4)))], nowPlaying: np('Jóga') };
    const dated = observePoll(host, next, at(0, 15), cfg);
    expect(dated.patch).toMatchObject({
      now_playing_since: at(0, 10),
      now_playing_since_latest: null,
    });
  });

  it('leaves the start unknown after a long gap between polls', () => {
    const host = hostRow({ last_polled_at: at(-30) });
    const obs = observePoll(host, { scrobbles: [], nowPlaying: np('Hunter') }, at(0), cfg);
    expect(obs.patch.now_playing_since).toBeNull();
  });

  it('sharpens the start when the previous scrobble lands after the track changed', () => {
    const host = hostRow({
      now_playing: np('Hunter'),
      now_playing_since: at(-4),
      now_playing_duration_ms: 250_000,
      newest_seen_uts: uts(at(-9)),
      last_polled_at: at(-1),
    });
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-5)))], nowPlaying: np('Hunter') };
    const obs = observePoll(host, snap, at(0), cfg, cache({ Jóga: 180_000 }));
    expect(obs.patch).toMatchObject({ now_playing_since: at(-2), now_playing_since_latest: null });
    expect(obs.nowPlayingChanged).toBe(false);
    // Known only within [-4, -1]: the late scrobble moves the earliest start, the latest stays.
    const spanned = observePoll(
      { ...host, now_playing_since_latest: at(-1) },
      snap,
      at(0),
      cfg,
      cache({ Jóga: 180_000 }),
    );
    expect(spanned.patch).toMatchObject({
      now_playing_since: at(-2),
      now_playing_since_latest: at(-1),
    });
  });

  it('keeps the start when a late scrobble would date the play earlier or in the future', () => {
    const host = hostRow({
      now_playing: np('Hunter'),
      now_playing_since: at(-2),
      now_playing_duration_ms: 250_000,
      newest_seen_uts: uts(at(-20)),
      last_polled_at: at(-1),
    });
    const older = { scrobbles: [scrobble('Jóga', uts(at(-10)))], nowPlaying: np('Hunter') };
    expect(
      observePoll(host, older, at(0), cfg, cache({ Jóga: 60_000 })).patch.now_playing_since,
    ).toEqual(at(-2));
    const future = { scrobbles: [scrobble('Long', uts(at(-3)))], nowPlaying: np('Hunter') };
    expect(
      observePoll(host, future, at(0), cfg, cache({ Long: 600_000 })).patch.now_playing_since,
    ).toEqual(at(-2));
    expect(observePoll(host, future, at(0), cfg).patch.now_playing_since).toEqual(at(-2));
  });

  it('treats the same track playing again as a new play', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-5),
      now_playing_duration_ms: 300_000,
      last_polled_at: at(-1),
      newest_seen_uts: uts(at(-9)),
    });
    const snap = { scrobbles: [scrobble('Jóga', uts(at(-5)))], nowPlaying: np('Jóga') };
    const obs = observePoll(host, snap, at(0, 10), cfg);
    expect(obs.nowPlayingChanged).toBe(true);
    expect(obs.patch).toMatchObject({
      now_playing_since: at(0),
      now_playing_since_latest: null,
      now_playing_duration_ms: 300_000,
    });
    expect(obs.needsDuration).toBe(false);
  });

  it('clears the now-playing state when the host stops playing', () => {
    const host = hostRow({
      now_playing: np('Jóga'),
      now_playing_since: at(-1),
      now_playing_duration_ms: 1,
    });
    const obs = observePoll(host, { scrobbles: [], nowPlaying: null }, at(0), cfg);
    expect(obs.patch).toMatchObject({
      now_playing: null,
      now_playing_since: null,
      now_playing_since_latest: null,
      now_playing_duration_ms: null,
    });
    expect(obs.nowPlayingChanged).toBe(true);
  });
});
