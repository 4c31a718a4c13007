/**
 * The runtime itself: `runDue` is single-flight and reports the next due time, `run` loops on the
 * clock and is woken early by new work, `shutdown` waits for the loop and releases leases, and the
 * metrics hear of polls and settled scrobbles.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { MINUTE_MS, SECOND_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { T0_MS } from '../../test/integration/harness.js';
import { uts, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

describeEachDatabase('engine runtime', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked());

  it('runs runDue once at a time and returns when the next work is due', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    expect(await engine.runDue()).toBeNull();
    await engine.startFollow(ann.id, host);
    const [a, b] = [engine.runDue(), engine.runDue()];
    expect(a).toBe(b);
    // Nothing playing: the next poll comes after the base interval.
    expect(await a).toBe(T0_MS + 20 * SECOND_MS);
    const polls = rig.rig.emu.calls().log.filter((c) => c.method === 'user.getRecentTracks');
    expect(polls).toHaveLength(2); // the start's check, then one poll
  });

  it('loops on the clock, wakes early for a new follow, and releases its leases at shutdown', async () => {
    rig = await startEngineRig(t.db);
    const [h1, h2] = [rig.host(), rig.host()];
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    const polled: number[] = [];
    const settled: string[] = [];
    const engine = rig.engine({
      metrics: {
        hostPolled: (s) => polled.push(s),
        scrobblesSettled: (result, n) => settled.push(`${result} ${n}`),
        scrobblesSkipped: (reason, n) => settled.push(`skipped ${reason} ${n}`),
      },
    });
    await engine.startFollow(ann.id, h1);
    const pollsOf = (user: string): number =>
      rig.rig.emu.calls().log.filter((c) => c.method === 'user.getRecentTracks' && c.user === user)
        .length;
    const stop = new AbortController();
    const running = engine.run(stop.signal);
    // Real time passes for the store and the emulator: seconds when the cores are busy. The clock
    // creeps meanwhile (100 ms a look), as it would: a call may wait its turn at the rate limiter,
    // which paces on this clock. Far from the 20 s of the next timed poll, so a poll of the new
    // host within it is the wake-up's.
    const patiently = { timeout: 20_000, interval: 20 };
    const creeping = (check: () => void) =>
      vi.waitFor(async () => {
        await rig!.rig.clock.advance(100);
        check();
      }, patiently);
    await creeping(() => expect(pollsOf(h1)).toBe(2));
    // The loop sleeps on the clock until the next poll is due (20 s), or until woken.
    await engine.startFollow(bob.id, h2);
    await creeping(() => expect(pollsOf(h2)).toBe(2));
    expect(rig.rig.clock.now()).toBeLessThan(T0_MS + 15 * SECOND_MS);
    rig.rig.emu.addScrobble(h1, { artist: 'R', track: 'Run', timestamp: uts(T0_MS) + 5 });
    // A second of the clock per look; the store and the emulator answer in real time, which a
    // busy machine stretches, so the looks go on for up to 20 s of real time.
    await vi.waitFor(
      async () => {
        if (rig!.rig.clock.now() < T0_MS + MINUTE_MS) await rig!.rig.clock.advance(SECOND_MS);
        expect(rig!.rig.emu.scrobbles(ann.name)).toHaveLength(1);
      },
      { timeout: 20_000, interval: 50 },
    );
    await vi.waitFor(() => expect(settled).toContain('accepted 1'), patiently);
    expect(polled.length).toBeGreaterThanOrEqual(3);

    // The clock goes on while it shuts down, as real time would: a call of the last runDue may
    // be waiting its turn at the rate limiter, which paces on this clock.
    let down = false;
    const stopped = engine.shutdown().then(async () => {
      await running;
      down = true;
    });
    while (!down) {
      await rig.rig.clock.advance(SECOND_MS);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stopped;
    const leased = await t.db.kysely
      .selectFrom('hosts')
      .select('id')
      .where('lease_owner', 'is not', null)
      .execute();
    expect(leased).toEqual([]);
    expect(await engine.runDue()).toBeNull();
    stop.abort();
  });

  it('gives claimed but unpolled hosts back at shutdown after a crash left them leased', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const ann = await rig.guest('ann');
    const crashed = rig.engine({
      crashAt: (p) => {
        if (p === 'poll:after-fetch') throw new Error('boom');
      },
    });
    await crashed.startFollow(ann.id, host);
    await expect(crashed.runDue()).rejects.toThrow('boom');
    await crashed.shutdown();
    const next = await rig.engine().runDue();
    expect(next).toBe(T0_MS + 20 * SECOND_MS);
    expect(rig.rig.clock.now()).toBeLessThan(T0_MS + MINUTE_MS);
  });
});
