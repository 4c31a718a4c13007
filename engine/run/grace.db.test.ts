/**
 * The grace period's last look must succeed, not just happen. A late scrobble of a track the
 * guest heard lands during the grace period; if the look that would read it fails, or the
 * process dies in it, the look is tried again after the grace period's end — Last.fm keeps the
 * history — for up to `lastLookRetryMs`, and then polling ends. Found by the model test: a
 * grace period whose polls all failed, then a crash in its last look, lost three scrobbles.
 */
import { afterEach, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import type { EngineConfig } from '../config.js';
import { at, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

const LATE = { artist: 'Talk Talk', track: 'New Grass', album: 'Laughing Stock' };

describeEachDatabase('the grace period’s last look', (t) => {
  let rig: EngineRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  /** Polls of `host` in [fromMs, toMs). */
  const pollsOf = (host: string, fromMs: number, toMs: number): number =>
    rig!.rig.emu
      .calls()
      .log.filter(
        (c) =>
          c.method === 'user.getRecentTracks' && c.user === host && c.at >= fromMs && c.at < toMs,
      ).length;

  /** A guest who followed from the start and stopped at 5:00; the grace period ends at 20:00. */
  async function stoppedAtFive(config: Partial<EngineConfig> = {}) {
    rig = await startEngineRig(t.db, { config });
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    await rig.runUntil(engine, at(5));
    await engine.stop(ann.id);
    return { host, ann, engine };
  }

  it('is tried again after the grace period when every poll in it failed, and mirrors the late scrobble', async () => {
    const { host, ann, engine } = await stoppedAtFive();
    const r = rig!;
    // Last.fm fails every read of the host from the stop until well past the grace (20 min).
    r.rig.emu.setFaults({ rate: 1, codes: [503], methods: ['user.getRecentTracks'] });
    await r.runUntil(engine, at(8));
    r.rig.emu.addScrobble(host, { ...LATE, timestamp: at(4, 50) / 1000 });
    await r.runUntil(engine, at(45));
    expect(r.rig.emu.scrobbles(ann.name)).toEqual([]);
    expect(pollsOf(host, at(20), at(45))).toBeGreaterThan(0);
    r.rig.emu.clearFaults();
    await r.runUntil(engine, at(60));

    expect(r.rig.emu.scrobbles(ann.name)).toEqual([{ ...LATE, timestamp: at(4, 50) / 1000 }]);
    // One good look was all it owed: no more polls after it.
    await r.runUntil(engine, at(120));
    expect(pollsOf(host, at(60), at(120))).toBe(0);
  });

  it('is tried again by the next process when the process died in it', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const ann = await rig.guest('ann');
    let killedAt: number | null = null;
    const first = rig.engine({
      crashAt: (point) => {
        // The grace period ends at 20:00; its last look comes a second before.
        if (point !== 'poll:after-insert' || killedAt !== null) return;
        if (rig!.rig.clock.now() < at(19, 58)) return;
        killedAt = rig!.rig.clock.now();
        throw new Error('killed');
      },
    });
    await first.startFollow(ann.id, host);
    await rig.runUntil(first, at(5));
    await first.stop(ann.id);
    await rig.runUntil(first, at(19, 30));
    rig.rig.emu.addScrobble(host, { ...LATE, timestamp: at(4, 50) / 1000 });
    await expect(rig.runUntil(first, at(30))).rejects.toThrow('killed');
    expect(killedAt).toBeGreaterThanOrEqual(at(19, 58));
    expect(rig.rig.emu.scrobbles(ann.name)).toEqual([]);

    // SIGKILL: the first engine is simply gone, its lease left to run out.
    const second = rig.engine();
    await rig.runUntil(second, at(40));
    expect(rig.rig.emu.scrobbles(ann.name)).toEqual([{ ...LATE, timestamp: at(4, 50) / 1000 }]);
  });

  it('gives up `lastLookRetryMs` after the grace period while Last.fm keeps failing', async () => {
    const { host, engine } = await stoppedAtFive({ lastLookRetryMs: 30 * MINUTE_MS });
    const r = rig!;
    r.rig.emu.setFaults({ rate: 1, codes: [503], methods: ['user.getRecentTracks'] });
    await r.runUntil(engine, at(120));

    // Grace 5:00 → 20:00, then tried until 50:00 (back-off capped at 5 min), then never.
    expect(pollsOf(host, at(20), at(50))).toBeGreaterThanOrEqual(5);
    expect(pollsOf(host, at(50, 1), at(120))).toBe(0);
  });
});
