/**
 * A guest who hides their listening (Last.fm error 17 to anyone else) is read with their own
 * session key: a lost scrobble response is still reconciled without a resend, and the
 * own-scrobble guard still sees the guest's own scrobbler.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { API_KEY } from '../../test/integration/harness.js';
import { at, uts, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';
import { guestScrobblesTheJam } from '../test-support/own-scrobbler.js';

describeEachDatabase('engine: a guest whose listening is private', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true, resent: true }));

  /** A rig with a host and a signed-in guest whose recent tracks only they can read. */
  async function privateGuest() {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const ann = await rig.guest('ann');
    rig.rig.emu.setPrivate(ann.name, true);
    const engine = rig.engine();
    await engine.startFollow(ann.id, host);
    return { host, ann, engine };
  }

  /** HTTP statuses of the engine's reads of the guest's history: unsigned ones get 403 (17). */
  function guestReads(user: string): number[] {
    return rig.rig.emu
      .calls()
      .log.filter((c) => c.user === user && c.method === 'user.getRecentTracks')
      .map((c) => c.status);
  }

  it('reconciles a scrobble whose response was lost, without sending it again', async () => {
    const { host, ann, engine } = await privateGuest();
    rig.rig.emu.setFaults({ rate: 1, codes: ['drop'], methods: ['track.scrobble'] });
    await rig.runUntil(engine, at(3));
    rig.rig.emu.addScrobble(host, [
      { artist: 'Drop', track: 'One', album: 'D', timestamp: uts(at(1)) },
      { artist: 'Drop', track: 'Two', album: 'D', timestamp: uts(at(2)) },
    ]);
    await rig.runUntil(engine, at(8));
    expect(rig.sent.map((s) => [s.track, s.landed])).toEqual([
      ['One', 'maybe'],
      ['Two', 'maybe'],
    ]);
    expect(rig.rig.emu.scrobbles(ann.name)).toHaveLength(2);
    const status = await engine.status(ann.id);
    expect(status.recentScrobbles.map((s) => s.status)).toEqual(['mirrored', 'mirrored']);
    expect(status.scrobbleCount).toBe(2);
    // The guard's look and the reconciliation both read the private history as the guest.
    const reads = guestReads(ann.name);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.every((status) => status === 200)).toBe(true);
  });

  it('pauses with `already_scrobbling` when the guest scrobbles the jam themself', async () => {
    const { host, ann, engine } = await privateGuest();
    await guestScrobblesTheJam(rig, host, ann, engine);
    expect(guestReads(ann.name)).toEqual([200]);
  });

  it('keeps a lost batch `sending` while the key is revoked, and reconciles it after re-sign-in', async () => {
    const { host, ann, engine } = await privateGuest();
    rig.rig.emu.setFaults({ rate: 1, codes: ['drop'], methods: ['track.scrobble'] });
    rig.rig.emu.addScrobble(host, [
      { artist: 'Lost', track: 'One', timestamp: uts(at(0, 10)) },
      { artist: 'Lost', track: 'Two', timestamp: uts(at(0, 20)) },
    ]);
    for (let s = 1; rig.sent.length === 0 && s < 120; s++) await rig.runUntil(engine, at(0, s));
    expect(rig.sent).toHaveLength(2);
    rig.rig.emu.clearFaults();
    rig.rig.emu.revoke(ann.name, API_KEY);
    await rig.runUntil(engine, at(10));
    // The reconciling read met error 9: the key is revoked and the follow stopped, as on a send;
    // the private history cannot be read unsigned, so the rows wait, neither resent nor dropped.
    expect(await engine.status(ann.id)).toMatchObject({
      state: 'stopped',
      stopReason: 'auth_revoked',
    });
    const rows = await t.db.kysely.selectFrom('outbox').select('state').execute();
    expect(rows.map((r) => r.state)).toEqual(['sending', 'sending']);

    await rig.signInAgain(ann, engine);
    await rig.runUntil(engine, at(15));
    expect(rig.sent).toHaveLength(2);
    expect(rig.rig.emu.scrobbles(ann.name)).toHaveLength(2);
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ mirroredCount: 2, pendingCount: 0 });
  });
});
