/**
 * The engine end to end on both databases: a host plays (scripted listener or control API),
 * guests follow, pause, resume and stop, and what lands on each guest's Last.fm profile is
 * exactly the host scrobbles inside that guest's windows, with the original timestamps and albums.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import type { Db } from '../../store/db.js';
import { T0_MS } from '../../test/integration/harness.js';
import { at, expectedLibrary, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

const PLAYLIST = [
  { artist: 'Björk', track: 'Jóga', album: 'Homogenic', duration_s: 305 },
  { artist: 'Portishead', track: 'Roads', album: 'Dummy', duration_s: 302 },
  { artist: 'Massive Attack', track: 'Teardrop', album: 'Mezzanine', duration_s: 330 },
  { artist: 'Air', track: 'La femme d’argent', album: 'Moon Safari', duration_s: 428 },
];

/** The guest's windows as [opened, closed) in ms (closed: Infinity while open). */
async function windowsOf(db: Db, guestId: number): Promise<[number, number][]> {
  const rows = await db.kysely
    .selectFrom('follow_windows as w')
    .innerJoin('follows as f', 'f.id', 'w.follow_id')
    .select(['w.opened_at', 'w.closed_at'])
    .where('f.guest_id', '=', guestId)
    .execute();
  return rows.map((w) => [w.opened_at.getTime(), w.closed_at?.getTime() ?? Infinity]);
}

/**
 * The host scrobbles that belong to the guest, as the guest's library shows them: those that
 * started in a window, and the one playing when each window opened (tracks of `tracks`).
 */
function expectedFor(
  rig: EngineRig,
  host: string,
  windows: [number, number][],
  tracks: readonly { track: string; duration_s: number }[] = PLAYLIST,
): { artist: string; track: string; album: string; timestamp: number }[] {
  const duration = (s: { track: string }): number =>
    tracks.find((t) => t.track === s.track)?.duration_s ?? 0;
  return expectedLibrary(rig.rig.emu.scrobbles(host), windows, duration);
}

const byTime = <T extends { timestamp: number }>(xs: T[]): T[] =>
  [...xs].sort((a, b) => a.timestamp - b.timestamp);

describeEachDatabase('engine: a jam', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true }));

  it('mirrors exactly the in-window scrobbles to each guest, through a pause and a resume', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    rig.rig.emu.startListener({ user: host, tracks: PLAYLIST, loop: true });
    const engine = rig.engine();
    await rig.runUntil(engine, at(1));
    await engine.startFollow(ann.id, host);
    await engine.startFollow(bob.id, host.toUpperCase(), { mirrorNowPlaying: false });
    await rig.runUntil(engine, at(20));
    await engine.pause(bob.id);
    await rig.runUntil(engine, at(36));
    await engine.resume(bob.id);
    await rig.runUntil(engine, at(60));
    await engine.stop(ann.id);
    await engine.stop(bob.id);
    await rig.runUntil(engine, at(90));

    for (const guest of [ann, bob]) {
      const expected = byTime(expectedFor(rig, host, await windowsOf(t.db, guest.id)));
      const library = byTime(rig.rig.emu.scrobbles(guest.name));
      expect(library).toEqual(expected);
      expect(library.length).toBeGreaterThan(5);
    }
    // Björk started at T0 and was still playing when Ann joined at 0:01: she heard it.
    const first = rig.rig.emu.scrobbles(host).find((s) => s.timestamp * 1000 === T0_MS);
    expect(first?.track).toBe('Jóga');
    expect(rig.rig.emu.scrobbles(ann.name).some((s) => s.timestamp === first?.timestamp)).toBe(
      true,
    );
    // Bob missed what started during his pause.
    expect(rig.rig.emu.scrobbles(bob.name).length).toBeLessThan(
      rig.rig.emu.scrobbles(ann.name).length,
    );
    expect(rig.resent()).toEqual([]);
    const status = await engine.status(ann.id);
    expect(status).toMatchObject({ state: 'stopped', stopReason: 'stopped_by_user' });
    expect(status.scrobbleCount).toBe(rig.rig.emu.scrobbles(ann.name).length);
    expect(status.recentScrobbles.every((s) => s.status === 'mirrored')).toBe(true);
  });

  it('mirrors the now-playing to opted-in guests only, and never scrobbles it', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    rig.rig.emu.setNowPlaying(host, {
      artist: 'Low',
      track: 'Words',
      album: 'I Could Live',
      duration: 3600,
    });
    const engine = rig.engine();
    await engine.startFollow(ann.id, host, { mirrorNowPlaying: true });
    await engine.startFollow(bob.id, host);
    await rig.runUntil(engine, at(10));

    expect(rig.rig.emu.user(ann.name).now_playing).toMatchObject({ artist: 'Low', track: 'Words' });
    expect(rig.rig.emu.user(bob.name).now_playing).toBeNull();
    const updates = rig.rig.emu.calls().log.filter((c) => c.method === 'track.updateNowPlaying');
    expect(updates.map((c) => c.user)).toEqual([ann.name]);
    expect(rig.sent).toEqual([]);
    expect(rig.rig.emu.scrobbles(ann.name)).toEqual([]);
    const status = await engine.status(bob.id);
    expect(status.nowPlaying).toMatchObject({
      artist: 'Low',
      track: 'Words',
      album: 'I Could Live',
    });
    expect(status.lastPollAt).not.toBeNull();
  });

  it('mirrors a late scrobble inside a closed window and nothing that started after the pause', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    await rig.runUntil(engine, at(0, 30));
    await engine.startFollow(ann.id, host);
    // Started half a second before the guest joined, in the same second: not theirs.
    rig.rig.emu.addScrobble(host, {
      artist: 'A',
      track: 'Before',
      timestamp: Math.floor(at(0, 29.5) / 1000),
    });
    await rig.runUntil(engine, at(5));
    await engine.pause(ann.id);
    await rig.runUntil(engine, at(9));
    rig.rig.emu.addScrobble(host, [
      { artist: 'A', track: 'Late', album: 'L', timestamp: at(4, 50) / 1000 },
      { artist: 'A', track: 'After', timestamp: at(5, 10) / 1000 },
    ]);
    await rig.runUntil(engine, at(30));

    expect(rig.rig.emu.scrobbles(ann.name)).toEqual([
      { artist: 'A', track: 'Late', album: 'L', timestamp: at(4, 50) / 1000 },
    ]);
  });

  it('mirrors every repeat of a looping track', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    rig.rig.emu.startListener({
      user: host,
      tracks: [{ artist: 'Sia', track: 'Loop', album: 'Again', duration_s: 150 }],
      loop: true,
    });
    await rig.runUntil(engine, at(30));
    await engine.stop(ann.id);
    await rig.runUntil(engine, at(50));

    const library = rig.rig.emu.scrobbles(ann.name);
    expect(library.length).toBe(12);
    expect(new Set(library.map((s) => s.timestamp)).size).toBe(12);
    const loop = [{ track: 'Loop', duration_s: 150 }];
    expect(byTime(library)).toEqual(expectedFor(rig, host, await windowsOf(t.db, ann.id), loop));
  });
});
