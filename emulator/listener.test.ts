import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from '../lib/clock.js';
import { playCounts } from './listener.js';
import type { Booted } from './test-support/kit.js';
import { boot, call, control, T0 } from './test-support/kit.js';

let b: Booted;
beforeEach(async () => {
  b = await boot({ users: ['host'] });
});
afterEach(() => b.emu.close());

const track = (name: string, duration_s: number) => ({ artist: 'Band', track: name, duration_s });

describe('scripted listener', () => {
  it('shows each track as now playing, then scrobbles it with its start time', async () => {
    const r = await control(b.emu, 'POST', '/listeners', {
      user: 'host',
      tracks: [track('One', 180), track('Two', 200)],
    });
    expect(r.status).toBe(201);
    await b.clock.advance(MINUTE_MS);
    const rt = await call(b.emu, { method: 'user.getRecentTracks', user: 'host' });
    expect(rt.json.recenttracks.track).toHaveLength(1);
    expect(rt.json.recenttracks.track[0]).toMatchObject({
      name: 'One',
      '@attr': { nowplaying: 'true' },
    });
    expect(b.emu.scrobbles('host')).toEqual([]);

    await b.clock.advance(2 * MINUTE_MS); // t = 180 s: One ends, Two starts
    expect(b.emu.scrobbles('host')).toEqual([
      { artist: 'Band', track: 'One', album: '', timestamp: T0 },
    ]);
    expect(b.emu.user('host').now_playing?.track).toBe('Two');

    await b.clock.advance(10 * MINUTE_MS);
    expect(b.emu.scrobbles('host').map((s) => [s.track, s.timestamp])).toEqual([
      ['Two', T0 + 180],
      ['One', T0],
    ]);
    expect(b.emu.user('host').now_playing).toBeNull();
    expect(b.emu.listeners()).toEqual([]);
  });

  it('loops a playlist for an hour of simulated time', async () => {
    b.emu.startListener({
      user: 'host',
      tracks: [track('A', 240), track('B', 240), track('C', 240)],
      loop: true,
    });
    await b.clock.advance(HOUR_MS + 10 * SECOND_MS);
    const s = b.emu.scrobbles('host');
    expect(s).toHaveLength(15);
    expect(s.map((x) => x.timestamp)).toEqual(
      Array.from({ length: 15 }, (_, i) => T0 + (14 - i) * 240),
    );
    expect(s[0]!.track).toBe('C');
    expect(b.emu.user('host').now_playing?.track).toBe('A');
  });

  it('waits gap_s between tracks', async () => {
    b.emu.startListener({ user: 'host', tracks: [track('A', 100), track('B', 100)], gap_s: 50 });
    await b.clock.advance(120 * SECOND_MS);
    expect(b.emu.user('host').now_playing).toBeNull();
    await b.clock.advance(10 * MINUTE_MS);
    expect(b.emu.scrobbles('host').map((x) => x.timestamp)).toEqual([T0 + 150, T0]);
  });

  it('never scrobbles a track of 30 s or less', async () => {
    b.emu.startListener({ user: 'host', tracks: [track('Jingle', 30), track('Song', 31)] });
    await b.clock.advance(2 * MINUTE_MS);
    expect(b.emu.scrobbles('host').map((x) => x.track)).toEqual(['Song']);
  });

  it('scrobbles a skipped track only if played half its length or 4 minutes', async () => {
    const tracks = Array.from({ length: 12 }, (_, i) => track(`T${i}`, 200 + 40 * i));
    b.emu.startListener({ user: 'host', tracks, skip_rate: 0.7, seed: 7 });
    // Watch second by second when each track starts, to know how long each one played.
    const started = new Map<string, number>();
    let stoppedAt = 0;
    for (let t = 0; t < 2 * HOUR_MS && stoppedAt === 0; t += SECOND_MS) {
      const np = b.emu.user('host').now_playing;
      if (np && !started.has(np.track)) started.set(np.track, b.clock.now() / 1000);
      if (!np && started.size === tracks.length) stoppedAt = b.clock.now() / 1000;
      await b.clock.advance(SECOND_MS);
    }
    const starts = tracks.map((t) => started.get(t.track)!);
    const played = starts.map((s, i) => (starts[i + 1] ?? stoppedAt) - s);
    const counts = tracks.map((t, i) => playCounts(t.duration_s, played[i]!));
    const skippedUncounted = tracks.filter((t, i) => played[i]! < t.duration_s && !counts[i]);
    expect(skippedUncounted.length).toBeGreaterThan(0);
    expect(counts.filter(Boolean).length).toBeGreaterThan(0);
    const scrobbled = b.emu.scrobbles('host').reverse();
    expect(scrobbled.map((s) => s.track)).toEqual(
      tracks.filter((_, i) => counts[i]).map((t) => t.track),
    );
    expect(scrobbled.every((s) => s.timestamp === started.get(s.track))).toBe(true);
  });

  it('stops on DELETE and clears what it was playing', async () => {
    b.emu.startListener({ user: 'host', tracks: [track('A', 100)], loop: true });
    await b.clock.advance(30 * SECOND_MS);
    expect((await control(b.emu, 'DELETE', '/listeners/host')).status).toBe(204);
    expect(b.emu.user('host').now_playing).toBeNull();
    await b.clock.advance(HOUR_MS);
    expect(b.emu.scrobbles('host')).toEqual([]);
    expect((await control(b.emu, 'DELETE', '/listeners/host')).status).toBe(404);
  });

  it('teaches track.getInfo the durations of its tracks', async () => {
    b.emu.startListener({ user: 'host', tracks: [track('Long', 420)] });
    await b.clock.advance(SECOND_MS);
    const r = await call(b.emu, { method: 'track.getInfo', artist: 'Band', track: 'Long' });
    expect(r.json.track.duration).toBe('420000');
  });
});

describe('playCounts', () => {
  it('applies half the length or 4 minutes, whichever comes first, to tracks over 30 s', () => {
    expect(playCounts(200, 100)).toBe(true);
    expect(playCounts(200, 99)).toBe(false);
    expect(playCounts(600, 240)).toBe(true);
    expect(playCounts(600, 239)).toBe(false);
    expect(playCounts(30, 30)).toBe(false);
  });
});
