/**
 * The engine's API beyond the follow lifecycle: the catch-up preview and its confirmation, the
 * guest's event stream (replayed after an id, then live, across the NOTIFY channel), the history
 * pages.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { T0_MS } from '../../test/integration/harness.js';
import { EngineError, type EngineEventRecord } from '../engine-api.js';
import { at, uts, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

describeEachDatabase('engine: API', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true, resent: true }));

  it('previews a capped catch-up and, once confirmed, mirrors exactly what it showed', async () => {
    rig = await startEngineRig(t.db, { config: { catchUpMaxScrobbles: 2 } });
    const { host, ann, engine } = await rig.soloJam();
    await rig.runUntil(engine, at(60));
    rig.rig.emu.addScrobble(
      host,
      [10, 20, 30, 40, 50].map((m) => ({
        artist: 'C',
        track: `M${m}`,
        album: 'Up',
        timestamp: uts(at(m)),
      })),
    );
    const preview = await engine.catchUpPreview(ann.id, host, at(25));
    expect(preview).toMatchObject({ targetUsername: host, since: at(40), total: 3, capped: true });
    expect(preview.scrobbles.map((s) => s.track)).toEqual(['M40', 'M50']);

    await engine.startFollow(ann.id, host, { catchUpFrom: at(25) });
    await rig.runUntil(engine, at(62));
    expect(rig.rig.emu.scrobbles(ann.name).map((s) => [s.track, s.album])).toEqual([
      ['M50', 'Up'],
      ['M40', 'Up'],
    ]);
    const [entry] = await engine.history(ann.id);
    expect(entry?.windows).toEqual([{ openedAt: at(40), closedAt: null }]);
  });

  it('refuses a catch-up from the future or from more than 12 hours back', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    for (const since of [T0_MS + MINUTE_MS, T0_MS - 13 * HOUR_MS]) {
      const err: unknown = await engine.startFollow(ann.id, host, { catchUpFrom: since }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('INVALID_REQUEST');
    }
    expect((await engine.status(ann.id)).state).toBe('not_started');
  });

  it('streams events live, replays them after an id, and stops after unsubscribing', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    const engine = rig.engine();
    const live: EngineEventRecord[] = [];
    const stop = await engine.subscribe(ann.id, null, (e) => live.push(e));
    const follow = await engine.startFollow(ann.id, host);
    await engine.startFollow(bob.id, host);
    await rig.runUntil(engine, at(2));
    rig.rig.emu.addScrobble(host, {
      artist: 'Ev',
      track: 'Live',
      album: 'A',
      timestamp: uts(at(1)),
    });
    await rig.runUntil(engine, at(4));
    await vi.waitFor(() => expect(live.map((e) => e.type)).toEqual(['state_changed', 'mirrored']));
    expect(live[0]?.payload).toEqual({
      follow_id: follow.followId,
      state: 'active',
      stop_reason: null,
      pause_reason: null,
    });
    expect(live[1]?.payload).toMatchObject({
      follow_id: follow.followId,
      track: 'Live',
      timestamp: uts(at(1)),
    });
    expect(live[1]!.id).toBeGreaterThan(live[0]!.id);

    const replayed: EngineEventRecord[] = [];
    const stopReplay = await engine.subscribe(ann.id, live[0]!.id, (e) => replayed.push(e));
    await vi.waitFor(() => expect(replayed.map((e) => e.id)).toEqual([live[1]!.id]));
    stop();
    await engine.pause(ann.id);
    await vi.waitFor(() =>
      expect(replayed.map((e) => e.type)).toEqual(['mirrored', 'state_changed']),
    );
    expect(live).toHaveLength(2);
    stopReplay();
    await engine.shutdown();
  });

  it('pages a follow’s scrobbles, newest first, and shows nobody else’s follow', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    const engine = rig.engine();
    expect(await engine.status(ann.id)).toMatchObject({ state: 'not_started', followId: null });
    const { followId } = await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(5));
    rig.rig.emu.addScrobble(
      host,
      [1, 2, 3].map((m) => ({ artist: 'P', track: `T${m}`, timestamp: uts(at(m)) })),
    );
    await rig.runUntil(engine, at(7));
    const page1 = await engine.historyDetail(ann.id, followId, 1, 2);
    const page2 = await engine.historyDetail(ann.id, followId, 2, 2);
    expect(page1?.scrobbles.map((s) => s.track)).toEqual(['T3', 'T2']);
    expect(page2?.scrobbles.map((s) => [s.track, s.status, s.attempts])).toEqual([
      ['T1', 'mirrored', 0],
    ]);
    expect(page1).toMatchObject({ page: 1, perPage: 2, total: 3 });
    expect(page1?.entry).toMatchObject({
      followId,
      targetUsername: host,
      mirroredCount: 3,
      pendingCount: 0,
    });
    expect(await engine.historyDetail(bob.id, followId, 1, 2)).toBeNull();
    const status = await engine.status(ann.id);
    expect(status).toMatchObject({
      state: 'active',
      followId,
      targetUsername: host,
      startedAt: T0_MS,
      scrobbleCount: 3,
    });
  });
});
