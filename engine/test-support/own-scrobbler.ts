/**
 * The guard's scenario, shared by the tests that run it on different guests (public, private):
 * a guest whose own scrobbler already records the jam.
 */
import { expect } from 'vitest';
import type { EngineRuntime, HistoryEntry } from '../engine-api.js';
import { at, uts, type EngineRig, type TestGuest } from './engine-rig.js';

/**
 * From minute 10 of `ann`'s follow of `host`: the host scrobbles A, B and C (minutes 1, 5, 9) and
 * the guest's own scrobbler has A and B, seconds apart from the host (one in other letter case).
 * By minute 12 the follow is paused with `already_scrobbling`, only C was sent, and A and B count
 * as ignored. Gives the follow's history entry for further checks.
 */
export async function guestScrobblesTheJam(
  rig: EngineRig,
  host: string,
  ann: TestGuest,
  engine: EngineRuntime,
): Promise<HistoryEntry> {
  await rig.runUntil(engine, at(10));
  rig.rig.emu.addScrobble(host, [
    { artist: 'Own', track: 'A', timestamp: uts(at(1)) },
    { artist: 'Own', track: 'B', timestamp: uts(at(5)) },
    { artist: 'Own', track: 'C', timestamp: uts(at(9)) },
  ]);
  rig.rig.emu.addScrobble(ann.name, [
    { artist: 'own', track: 'a', timestamp: uts(at(1, 20)) },
    { artist: 'Own', track: 'B', timestamp: uts(at(4, 50)) },
  ]);
  await rig.runUntil(engine, at(12));
  expect(await engine.status(ann.id)).toMatchObject({
    state: 'paused',
    pauseReason: 'already_scrobbling',
  });
  expect(rig.sent.map((s) => s.track)).toEqual(['C']);
  const [entry] = await engine.history(ann.id);
  expect(entry).toMatchObject({ mirroredCount: 1, ignoredCount: 2 });
  return entry!;
}
