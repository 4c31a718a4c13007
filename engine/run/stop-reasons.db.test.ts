/**
 * Every way a follow ends, end to end: the guest switches host, the jam goes idle, the maximum
 * duration passes, the host turns private or does not exist, the guest's key is revoked (its
 * rows kept and sent after the guest signs in again).
 */
import { afterEach, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { insertFollow, insertHost } from '../../store/test-support/factories.js';
import { API_KEY, T0_MS } from '../../test/integration/harness.js';
import { EngineError } from '../engine-api.js';
import { at, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';

const SONGS = [
  { artist: 'Can', track: 'Vitamin C', album: 'Ege Bamyasi', duration_s: 212 },
  { artist: 'Neu!', track: 'Hallogallo', album: 'Neu!', duration_s: 601 },
];

async function refusal(p: Promise<unknown>): Promise<string> {
  const err: unknown = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return (err as EngineError).code;
}

describeEachDatabase('engine: how follows end', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true }));

  it('refuses an unknown host, a private one and the guest themself', async () => {
    rig = await startEngineRig(t.db);
    const ann = await rig.guest('ann');
    const hidden = rig.host('hidden');
    rig.rig.emu.setPrivate(hidden, true);
    const engine = rig.engine();
    expect(await refusal(engine.startFollow(ann.id, 'nobody_here_at_all'))).toBe(
      'TARGET_NOT_FOUND',
    );
    expect(await refusal(engine.startFollow(ann.id, hidden))).toBe('TARGET_PRIVATE');
    expect(await refusal(engine.startFollow(ann.id, ann.name.toUpperCase()))).toBe(
      'TARGET_IS_SELF',
    );
    expect(await refusal(engine.pause(ann.id))).toBe('INVALID_STATE');
    expect((await engine.status(ann.id)).state).toBe('not_started');
  });

  it('stops the current follow with `switched` when the guest follows another host', async () => {
    rig = await startEngineRig(t.db);
    const [first, second] = [rig.host('first'), rig.host('second')];
    const ann = await rig.guest('ann');
    const engine = rig.engine();
    const a = await engine.startFollow(ann.id, first);
    await rig.runUntil(engine, at(3));
    const b = await engine.startFollow(ann.id, second);
    expect(b).toMatchObject({ state: 'active', hostUsername: second });
    const history = await engine.history(ann.id);
    expect(history.map((h) => [h.followId, h.state, h.stopReason])).toEqual([
      [b.followId, 'active', null],
      [a.followId, 'stopped', 'switched'],
    ]);
    expect(history[1]?.windows).toEqual([{ openedAt: T0_MS, closedAt: at(3) }]);
    expect((await engine.status(ann.id)).targetUsername).toBe(second);
  });

  it('ends the follow with `jam_ended` once the host has been idle for IDLE_STOP_MINUTES', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    rig.rig.emu.startListener({ user: host, tracks: SONGS.slice(0, 1) });
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(60));
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ state: 'stopped', stopReason: 'jam_ended', mirroredCount: 1 });
    // Last activity: the track's end (3.5 min); idle limit 30 min; the idle host is polled every 2 min.
    expect(entry!.stoppedAt! - at(3.5)).toBeGreaterThanOrEqual(30 * MINUTE_MS);
    expect(entry!.stoppedAt! - at(3.5)).toBeLessThanOrEqual(33 * MINUTE_MS);
    const polls = rig.rig.emu.calls().log.filter((c) => c.method === 'user.getRecentTracks');
    expect(polls.at(-1)!.at).toBeLessThan(entry!.stoppedAt! + 16 * MINUTE_MS);
  });

  it('keeps a paused follow while the jam goes on, checking rarely, and ends it once the host is idle', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    rig.rig.emu.startListener({ user: host, tracks: SONGS, loop: true });
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(5));
    await engine.pause(ann.id);
    await rig.runUntil(engine, at(100));
    expect(await engine.status(ann.id)).toMatchObject({ state: 'paused', pauseReason: 'user' });
    const polls = (): number =>
      rig.rig.emu.calls().log.filter((c) => c.method === 'user.getRecentTracks' && c.at > at(25))
        .length;
    // After the grace period: one look per 30 minutes.
    expect(polls()).toBeLessThanOrEqual(3);
    rig.rig.emu.stopListener(host);
    await rig.runUntil(engine, at(180));
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ state: 'stopped', stopReason: 'jam_ended' });
    expect(entry!.stoppedAt!).toBeGreaterThan(at(130));
  });

  it('ends the follow with `max_duration` after MAX_FOLLOW_HOURS while the jam goes on', async () => {
    rig = await startEngineRig(t.db, { config: { maxFollowHours: 1 } });
    const { host, ann, engine } = await rig.soloJam();
    rig.rig.emu.startListener({ user: host, tracks: SONGS, loop: true });
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(80));
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ state: 'stopped', stopReason: 'max_duration' });
    expect(entry!.stoppedAt! - T0_MS).toBeGreaterThanOrEqual(HOUR_MS);
    expect(entry!.stoppedAt! - T0_MS).toBeLessThan(HOUR_MS + 11 * MINUTE_MS);
    const closedAt = entry!.windows[0]!.closedAt!;
    const library = rig.rig.emu.scrobbles(ann.name);
    expect(library.length).toBeGreaterThan(5);
    expect(library.every((s) => s.timestamp * 1000 < closedAt)).toBe(true);
  });

  it('ends the follow with `target_private` when the host hides their listening', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    rig.rig.emu.startListener({ user: host, tracks: SONGS, loop: true });
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(10));
    rig.rig.emu.setPrivate(host, true);
    await rig.runUntil(engine, at(30));
    expect(await engine.status(ann.id)).toMatchObject({
      state: 'stopped',
      stopReason: 'target_private',
      nowPlaying: null,
    });
    const hostRow = await t.db.kysely.selectFrom('hosts').selectAll().executeTakeFirstOrThrow();
    expect(hostRow.next_poll_at.getUTCFullYear()).toBe(9999);
  });

  it('ends the follow with `target_not_found` when a poll finds no such user', async () => {
    rig = await startEngineRig(t.db);
    const ann = await rig.guest('ann');
    const host = await insertHost(t.db.kysely, { next_poll_at: new Date(T0_MS) });
    const follow = await insertFollow(t.db.kysely, { guestId: ann.id, hostId: host.id });
    await t.db.kysely
      .insertInto('follow_windows')
      .values({ follow_id: follow.id, opened_at: new Date(T0_MS) })
      .execute();
    const engine = rig.engine();
    expect(await engine.runDue()).toBeNull();
    expect(await engine.status(ann.id)).toMatchObject({
      state: 'stopped',
      stopReason: 'target_not_found',
    });
  });

  it('stops with `auth_revoked` on error 9, keeps the rows, and sends them after the guest signs in again', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    rig.rig.emu.revoke(ann.name, API_KEY);
    rig.rig.emu.addScrobble(host, [
      { artist: 'X', track: 'One', timestamp: at(1) / 1000 },
      { artist: 'X', track: 'Two', timestamp: at(2) / 1000 },
    ]);
    await rig.runUntil(engine, at(10));
    expect(await engine.status(ann.id)).toMatchObject({
      state: 'stopped',
      stopReason: 'auth_revoked',
    });
    const account = await t.db.kysely
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', ann.id)
      .executeTakeFirstOrThrow();
    expect(account.key_state).toBe('revoked');
    const [entry] = await engine.history(ann.id);
    expect(entry?.pendingCount).toBe(2);
    // The guard reads the guest's tracks with the key first, so error 9 comes before any send;
    // nothing is sent while the key is revoked, however long.
    await rig.runUntil(engine, at(120));
    expect(rig.sent.filter((s) => s.user === ann.name)).toHaveLength(0);

    // Signs in again: the server stores the new key as valid, then tells the engine.
    await rig.signInAgain(ann, engine);
    await rig.runUntil(engine, at(121));
    expect(rig.tracksOf(ann.name)).toEqual(['One', 'Two']);
    expect((await engine.history(ann.id))[0]).toMatchObject({ pendingCount: 0, mirroredCount: 2 });
  });
});
