/**
 * What a guest sees and asks beyond the jam itself: the status (host avatar, counts, Last.fm's
 * answers, stop time), idempotent pause/resume/stop, the track already playing when they join,
 * and "Download my data".
 */
import { afterEach, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { T0_MS } from '../../test/integration/harness.js';
import { EngineError } from '../engine-api.js';
import { at, uts, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

/** The code of an `EngineError` the promise rejects with. */
async function refusal(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (e instanceof EngineError ? e.code : String(e)),
  );
}

describeEachDatabase('engine: the guest’s API', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true, resent: true }));

  const userInfoCalls = (): number =>
    rig.rig.emu.calls().log.filter((c) => c.method === 'user.getInfo').length;

  it('shows the host avatar, the counts, Last.fm’s answers and when the follow stopped', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    const { followId } = await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(2));
    rig.rig.emu.addScrobble(
      host,
      [1, 2].map((m) => ({ artist: 'S', track: `T${m}`, timestamp: uts(at(0, 30 * m)) })),
    );
    await rig.runUntil(engine, at(4));
    await t.db.kysely
      .updateTable('outbox')
      .set({ ignored_code: 1, ignored_message: 'Artist name ignored', state: 'ignored' })
      .where('follow_id', '=', followId)
      .where('track', '=', 'T2')
      .execute();
    await engine.stop(ann.id);
    const status = await engine.status(ann.id);
    expect(status.targetImageUrl).toMatch(/^https?:\/\//);
    expect(status).toMatchObject({
      state: 'stopped',
      stoppedAt: at(4),
      counts: { pending: 0, mirrored: 2, ignored: 0, held: 0 },
    });
    expect(
      status.recentScrobbles.map((s) => [s.track, s.status, s.ignoredCode, s.ignoredMessage]),
    ).toEqual([
      ['T2', 'ignored', 1, 'Artist name ignored'],
      ['T1', 'mirrored', 0, null],
    ]);
  });

  it('asks Last.fm for a host’s avatar at most once a day, and never fails a start over it', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob, cat] = [
      await rig.guest('ann'),
      await rig.guest('bob'),
      await rig.guest('cat'),
    ];
    const engine = rig.engine();
    rig.rig.emu.setFaults({ rate: 1, codes: [11], methods: ['user.getInfo'] });
    expect((await engine.startFollow(ann.id, host)).state).toBe('active');
    expect((await engine.status(ann.id)).targetImageUrl).toBeNull();
    rig.rig.emu.clearFaults();
    await engine.startFollow(bob.id, host);
    const tries = userInfoCalls();
    expect((await engine.status(bob.id)).targetImageUrl).toBeNull();
    await rig.runUntil(engine, T0_MS + 24 * HOUR_MS + MINUTE_MS);
    await engine.startFollow(cat.id, host);
    expect(userInfoCalls()).toBe(tries + 1);
    expect((await engine.status(cat.id)).targetImageUrl).toMatch(/^https?:\/\//);
  });

  it('repeats pause, resume and stop without a change, and refuses what cannot be', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    const engine = rig.engine();
    expect(await refusal(engine.stop(bob.id))).toBe('INVALID_STATE');
    expect(await refusal(engine.resume(bob.id))).toBe('INVALID_STATE');
    const { followId } = await engine.startFollow(ann.id, host);
    const snapshot = async () => ({
      events: await t.db.kysely.selectFrom('events').selectAll().orderBy('id').execute(),
      windows: await t.db.kysely.selectFrom('follow_windows').selectAll().orderBy('id').execute(),
    });
    const same = { followId, hostUsername: host };
    expect(await engine.resume(ann.id)).toEqual({ ...same, state: 'active' });
    await rig.runUntil(engine, at(1));
    await engine.pause(ann.id);
    let before = await snapshot();
    expect(await engine.pause(ann.id)).toEqual({ ...same, state: 'paused' });
    expect(await snapshot()).toEqual(before);
    await engine.stop(ann.id);
    before = await snapshot();
    expect(await engine.stop(ann.id)).toEqual({ ...same, state: 'stopped' });
    expect(await snapshot()).toEqual(before);
    expect(await refusal(engine.pause(ann.id))).toBe('INVALID_STATE');
    expect(await refusal(engine.resume(ann.id))).toBe('INVALID_STATE');
  });

  it('mirrors the track playing when the guest joins, once, though they stop and start during it', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    const track = { artist: 'Low', track: 'Words', album: 'I Could Live', duration_s: 300 };
    rig.rig.emu.startListener({ user: host, tracks: [track, { ...track, track: 'Lazy' }] });
    await rig.runUntil(engine, at(1));
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(2));
    await engine.pause(ann.id);
    await engine.resume(ann.id);
    await engine.stop(ann.id);
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(3));
    await engine.stop(ann.id);
    await rig.runUntil(engine, at(30));
    expect(rig.rig.emu.scrobbles(ann.name)).toEqual([
      { artist: 'Low', track: 'Words', album: 'I Could Live', timestamp: uts(T0_MS) },
    ]);
    const rows = await t.db.kysely.selectFrom('outbox').select('follow_id').execute();
    expect(rows).toHaveLength(1);
  });

  it('exports every follow, oldest first, with all of its scrobbles', async () => {
    rig = await startEngineRig(t.db);
    const [h1, h2] = [rig.host(), rig.host()];
    const ann = await rig.guest('ann');
    const engine = rig.engine();
    expect(await engine.exportData(ann.id)).toEqual({ follows: [] });
    const first = await engine.startFollow(ann.id, h1, { mirrorNowPlaying: true });
    await rig.runUntil(engine, at(2));
    rig.rig.emu.addScrobble(
      h1,
      [1, 2, 3].map((s) => ({ artist: 'E', track: `T${s}`, timestamp: uts(at(1, s)) })),
    );
    await rig.runUntil(engine, at(3));
    await engine.pause(ann.id);
    const second = await engine.startFollow(ann.id, h2);
    const data = await engine.exportData(ann.id);
    expect(data.follows.map((f) => [f.entry.followId, f.entry.state, f.mirrorNowPlaying])).toEqual([
      [first.followId, 'stopped', true],
      [second.followId, 'active', false],
    ]);
    expect(data.follows[0]).toMatchObject({
      pauseReason: null,
      heldUntil: null,
      entry: { targetUsername: h1, stopReason: 'switched', mirroredCount: 3 },
    });
    expect(data.follows[0]?.scrobbles.map((s) => [s.track, s.status, s.ignoredCode])).toEqual([
      ['T1', 'mirrored', null],
      ['T2', 'mirrored', null],
      ['T3', 'mirrored', null],
    ]);
    expect(data.follows[1]?.scrobbles).toEqual([]);
  });
});
