/**
 * A sanity check of Last.fm cost: a one-hour jam with five guests, counted from the emulator's
 * call log and printed. (The real benchmark is bench/; this catches a regression by an order of
 * magnitude, e.g. polling per guest or a getInfo per poll.)
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { at, startEngineRig, type EngineRig, type TestGuest } from '../test-support/engine-rig.js';

const PLAYLIST = [
  { artist: 'Khruangbin', track: 'Maria También', album: 'Con Todo El Mundo', duration_s: 193 },
  { artist: 'Tame Impala', track: 'Let It Happen', album: 'Currents', duration_s: 467 },
  { artist: 'Beach House', track: 'Space Song', album: 'Depression Cherry', duration_s: 320 },
  { artist: 'Men I Trust', track: 'Show Me How', album: 'Oncle Jazz', duration_s: 215 },
  { artist: 'Mac DeMarco', track: 'Chamber of Reflection', album: 'Salad Days', duration_s: 231 },
  { artist: 'Alvvays', track: 'Archie, Marry Me', album: 'Alvvays', duration_s: 199 },
];

describeEachDatabase('engine: Last.fm cost', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked());

  it('mirrors a five-guest, one-hour jam at a few calls per mirrored scrobble', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const guests: TestGuest[] = [];
    for (let i = 0; i < 5; i++) guests.push(await rig.guest(`g${i}`));
    rig.rig.emu.startListener({ user: host, tracks: PLAYLIST, loop: true });
    const engine = rig.engine();
    await rig.runUntil(engine, at(1));
    for (const g of guests) await engine.startFollow(g.id, host);
    rig.rig.emu.resetCalls();
    await rig.runUntil(engine, at(61));
    for (const g of guests) await engine.stop(g.id);
    await rig.runUntil(engine, at(80));

    const calls = rig.rig.emu.calls();
    const mirrored = guests.reduce((n, g) => n + rig.rig.emu.scrobbles(g.name).length, 0);
    const withoutNowPlaying = calls.total - (calls.by_method['track.updateNowPlaying'] ?? 0);
    console.log(
      `[${t.kind}] 5 guests, 1 h: ${mirrored} scrobbles mirrored, ${calls.total} calls ` +
        `(${(calls.total / mirrored).toFixed(2)} per scrobble; ` +
        `${(withoutNowPlaying / mirrored).toFixed(2)} without now-playing updates) ` +
        JSON.stringify(calls.by_method),
    );
    expect(mirrored).toBeGreaterThan(5 * 12);
    expect(rig.resent()).toEqual([]);
    // Polls are shared: about one per track, not one per guest. (The first track costs more
    // here: the host has no history to date it by, so it is polled at the base interval.)
    const polls = calls.log.filter((c) => c.method === 'user.getRecentTracks' && c.user === host);
    expect(polls.length).toBeLessThan(mirrored / 5 + 15);
    expect(withoutNowPlaying / mirrored).toBeLessThan(2);
    expect(calls.total / mirrored).toBeLessThan(3);
  });
});
