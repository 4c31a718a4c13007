/**
 * The submitter against Last.fm's hard cases, end to end: the daily cap, a lost scrobble
 * response, crashes at every crash point (a new engine takes over on the same database), and a
 * guest whose own Spotify already scrobbles the jam. No scrobble is ever sent twice.
 */
import { afterEach, expect, it } from 'vitest';
import { MINUTE_MS } from '../../lib/clock.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import type { CrashPoint } from '../engine-api.js';
import { at, uts, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';
import { guestScrobblesTheJam } from '../test-support/own-scrobbler.js';

const NEXT_UTC_DAY = Date.UTC(2026, 0, 6);

/** A crash hook that throws once, at `point`. */
function crashOnceAt(point: CrashPoint): { hook: (p: CrashPoint) => void; error: Error } {
  const error = new Error(`crash at ${point}`);
  let done = false;
  return {
    error,
    hook: (p) => {
      if (p !== point || done) return;
      done = true;
      throw error;
    },
  };
}

describeEachDatabase('engine: submitting', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true, resent: true }));

  it('holds rows over the daily cap until the next UTC day, then sends them', async () => {
    rig = await startEngineRig(t.db, { emulator: { dailyScrobbleCap: 2 } });
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    await rig.runUntil(engine, at(5));
    rig.rig.emu.addScrobble(
      host,
      [1, 2, 3, 4].map((i) => ({ artist: 'Cap', track: `T${i}`, timestamp: uts(at(i)) })),
    );
    await rig.runUntil(engine, at(6));
    const status = await engine.status(ann.id);
    expect(status.heldUntil).toBe(NEXT_UTC_DAY);
    expect(status.recentScrobbles.map((s) => [s.track, s.status])).toEqual([
      ['T4', 'held'],
      ['T3', 'held'],
      ['T2', 'mirrored'],
      ['T1', 'mirrored'],
    ]);
    expect(status.counts).toEqual({ pending: 0, mirrored: 2, ignored: 0, held: 2 });
    expect(status.recentScrobbles.map((s) => s.ignoredCode)).toEqual([null, null, 0, 0]);
    const held = await t.db.kysely
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'held')
      .execute();
    expect(held.map((e) => e.payload)).toEqual([
      { follow_id: status.followId, until: new Date(NEXT_UTC_DAY).toISOString() },
    ]);
    await rig.runUntil(engine, NEXT_UTC_DAY - MINUTE_MS);
    expect(rig.rig.emu.scrobbles(ann.name)).toHaveLength(2);
    await rig.runUntil(engine, NEXT_UTC_DAY + MINUTE_MS);
    expect(rig.tracksOf(ann.name)).toEqual(['T1', 'T2', 'T3', 'T4']);
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ mirroredCount: 4, pendingCount: 0 });
  });

  it('reconciles a scrobble whose response was lost instead of sending it again', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    rig.rig.emu.setFaults({ rate: 1, codes: ['drop'], methods: ['track.scrobble'] });
    await rig.runUntil(engine, at(3));
    rig.rig.emu.addScrobble(host, [
      { artist: 'Drop', track: 'One', album: 'D', timestamp: uts(at(1)) },
      { artist: 'Drop', track: 'Two', album: 'D', timestamp: uts(at(2)) },
    ]);
    await rig.runUntil(engine, at(5));
    expect(rig.sent.map((s) => s.track)).toEqual(['One', 'Two']);
    expect(rig.rig.emu.scrobbles(ann.name)).toHaveLength(2);
    const status = await engine.status(ann.id);
    expect(status.recentScrobbles.map((s) => s.status)).toEqual(['mirrored', 'mirrored']);
    expect(status.scrobbleCount).toBe(2);
    const mirrored = await t.db.kysely
      .selectFrom('events')
      .select('type')
      .where('type', '=', 'mirrored')
      .execute();
    expect(mirrored).toHaveLength(2);
  });

  for (const point of [
    'poll:after-fetch',
    'poll:after-insert',
    'submit:after-mark-sending',
    'submit:after-call',
    'submit:after-settle',
  ] as const) {
    it(`recovers from a crash at ${point}: every scrobble lands once`, async () => {
      rig = await startEngineRig(t.db);
      const host = rig.host();
      const ann = await rig.guest('ann');
      const crash = crashOnceAt(point);
      const first = rig.engine({ crashAt: crash.hook });
      await first.startFollow(ann.id, host);
      await rig.rig.clock.advanceTo(at(1));
      rig.rig.emu.addScrobble(host, [
        { artist: 'K', track: 'One', timestamp: uts(at(0, 10)) },
        { artist: 'K', track: 'Two', timestamp: uts(at(0, 20)) },
      ]);
      await expect(first.runDue()).rejects.toBe(crash.error);
      // The crashed instance is gone; another one starts on the same database.
      const second = rig.engine();
      await rig.runUntil(second, at(10));
      expect(rig.tracksOf(ann.name)).toEqual(['One', 'Two']);
      expect(rig.sent).toHaveLength(2);
      const [entry] = await second.history(ann.id);
      expect(entry).toMatchObject({ mirroredCount: 2, pendingCount: 0 });
    });
  }

  it('pauses with `already_scrobbling` when the guest scrobbles the jam themself, sending none twice', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    const entry = await guestScrobblesTheJam(rig, host, ann, engine);
    const detail = await engine.historyDetail(ann.id, entry.followId, 1, 10);
    expect(detail?.scrobbles.map((s) => [s.track, s.status, s.ignoredCode])).toEqual([
      ['C', 'mirrored', null],
      ['B', 'ignored', -2],
      ['A', 'ignored', -2],
    ]);
  });

  it("does not take Lasso's own copies for the guest's scrobbles (a track repeated within the tolerance)", async () => {
    rig = await startEngineRig(t.db, { config: { guardIntervalMs: 1000 } });
    const { host, ann, engine } = await rig.soloJam({ follow: true });
    rig.rig.emu.addScrobble(host, { artist: 'Rep', track: 'Same', timestamp: uts(at(1)) });
    await rig.runUntil(engine, at(3));
    rig.rig.emu.addScrobble(host, { artist: 'Rep', track: 'Same', timestamp: uts(at(2, 30)) });
    await rig.runUntil(engine, at(6));
    expect(rig.rig.emu.scrobbles(ann.name)).toHaveLength(2);
    expect((await engine.status(ann.id)).state).toBe('active');
    // The guard did look both times (its interval is 1 s here).
    const looks = rig.rig.emu
      .calls()
      .log.filter((c) => c.user === ann.name && c.method === 'user.getRecentTracks');
    expect(looks).toHaveLength(2);
  });
});
