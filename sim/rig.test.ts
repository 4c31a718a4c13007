import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../lib/clock.js';
import { BaselinePolicy } from './baseline.js';
import type { Play, Song } from './listening.js';
import { isExact } from './oracle.js';
import { guestOutcome } from './outcome.js';
import { SIM_T0, SimRig } from './rig.js';

const songs: Song[] = [
  { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk…', durationS: 240 },
  { artist: '東京事変', track: '群青日和', album: '', durationS: 200 },
  { artist: 'Beyoncé', track: '🐝', album: 'Lemonade', durationS: 180 },
];

/** Back-to-back plays from `from` for `n` tracks. */
function playlist(from: number, n: number): Play[] {
  const plays: Play[] = [];
  let t = from;
  for (let i = 0; i < n; i++) {
    const song = songs[i % songs.length]!;
    plays.push({ song, startMs: t, playedS: song.durationS, lateS: 0 });
    t += song.durationS * 1000;
  }
  return plays;
}

async function baselineJam(setup: (rig: SimRig) => void) {
  const rig = await SimRig.start({ seed: 5, startMs: SIM_T0 });
  rig.addHost('host');
  let id = 0;
  const guest = await rig.addGuest('guest', async () => ++id);
  const lastfm = rig.wire.client({ apiUrl: rig.emu.apiUrl, clock: rig.clock, seed: 1 });
  const policy = new BaselinePolicy({ lastfm, clock: rig.clock, fromLastPoll: false });
  rig.usePolicy(policy);
  rig.act(SIM_T0, guest, { kind: 'start', host: 'host', mirrorNowPlaying: false });
  rig.play('host', playlist(SIM_T0 + MINUTE_MS, 9));
  rig.act(SIM_T0 + 40 * MINUTE_MS, guest, { kind: 'stop' });
  setup(rig);
  await rig.runUntil(SIM_T0 + 45 * MINUTE_MS);
  const outcome = await guestOutcome(rig, policy, guest);
  await rig.close();
  return { rig, outcome };
}

describe('the simulation rig', () => {
  it('mirrors through a policy, timing each copy from the host scrobble appearing', async () => {
    const { rig, outcome } = await baselineJam(() => undefined);
    expect(isExact(outcome.comparison)).toBe(true);
    expect(outcome.comparison.mirrored).toBe(9);
    expect(outcome.delaysMs).toHaveLength(9);
    for (const d of outcome.delaysMs) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of outcome.delaysMs) expect(d).toBeLessThanOrEqual(20_000);
    expect(outcome.windowProblems).toEqual([]);
    expect(rig.wire.ledger?.duplicates).toBe(0);
  });

  it('counts a scrobble sent again after a lost answer as a duplicate', async () => {
    const { rig, outcome } = await baselineJam((r) =>
      r.faults(SIM_T0 + 5 * MINUTE_MS, SIM_T0 + 10 * MINUTE_MS, {
        rate: 1,
        codes: ['drop'],
        methods: ['track.scrobble'],
      }),
    );
    expect(isExact(outcome.comparison)).toBe(true);
    expect(rig.wire.ledger?.duplicates).toBeGreaterThan(0);
  });

  it('moves the clock past answers the emulator holds, so a timeout fault ends without stalling', async () => {
    const { rig, outcome } = await baselineJam((r) =>
      r.faults(SIM_T0 + 5 * MINUTE_MS, SIM_T0 + 12 * MINUTE_MS, {
        rate: 1,
        codes: ['timeout'],
        methods: ['user.getRecentTracks'],
      }),
    );
    expect(isExact(outcome.comparison)).toBe(true);
    expect(rig.emu.calls().log.some((c) => c.fault === 'timeout')).toBe(true);
  });
});
