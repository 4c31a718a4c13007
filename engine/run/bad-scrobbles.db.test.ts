/**
 * One bad host scrobble never stops a host: a name with U+0000 is mirrored without it, a name of
 * hundreds of KB is recorded for the guest as not added (and counted) while the rest of the poll
 * is mirrored, and a host whose polls keep failing — Last.fm errors, or anything unexpected while
 * writing the result — still has its follows stopped on time.
 */
import { afterEach, expect, it } from 'vitest';
import { HOUR_MS, SECOND_MS } from '../../lib/clock.js';
import { NAME_MAX_BYTES, utf8Bytes } from '../../lastfm/text.js';
import type { LastfmApi } from '../../lastfm/types.js';
import type { Db } from '../../store/db.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { T0_MS } from '../../test/integration/harness.js';
import type { EngineMetrics } from '../engine-api.js';
import { at, uts, startEngineRig, type EngineRig } from '../test-support/engine-rig.js';
import { IGNORED_CODE } from '../types.js';

const SONGS = [
  { artist: 'Can', track: 'Vitamin C', album: 'Ege Bamyasi', duration_s: 212 },
  { artist: 'Neu!', track: 'Hallogallo', album: 'Neu!', duration_s: 601 },
];

/** `n` characters of 4 bytes each (CJK Extension B), from a fixed seed: nothing to compress. */
function astral(n: number, seed: number): string {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return String.fromCodePoint(0x20000 + (x % 0xa6d6));
  }).join('');
}

/** The codes of the `ignored` events told to `guestId`, oldest first. */
async function ignoredCodes(db: Db, guestId: number): Promise<number[]> {
  const told = await db.kysely
    .selectFrom('events')
    .select('payload')
    .where('guest_id', '=', guestId)
    .where('type', '=', 'ignored')
    .orderBy('id')
    .execute();
  return told.map((e) => (e.payload as { code: number }).code);
}

/** Metrics that keep what was skipped, as `reason n`. */
function skippedMetrics(skipped: string[]): EngineMetrics {
  return {
    hostPolled: () => undefined,
    scrobblesSettled: () => undefined,
    scrobblesSkipped: (reason, n) => skipped.push(`${reason} ${n}`),
  };
}

describeEachDatabase('engine: bad host scrobbles', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked({ misfits: true }));

  it('mirrors a poll around a NUL name and a 300 KB one, which shows as not added and counts once', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const ann = await rig.guest('ann');
    const skipped: string[] = [];
    const engine = rig.engine({ metrics: skippedMetrics(skipped) });
    // Playing: a track whose names are over the limit in characters that grow when lowercased
    // (Ⱥ → ⱥ, 2 → 3 bytes), so its cut names go into the duration cache's key at their largest.
    rig.rig.emu.setNowPlaying(host, { artist: 'Ⱥ'.repeat(1000), track: 'Ⱥ'.repeat(1000) });
    await engine.startFollow(ann.id, host, { mirrorNowPlaying: true });
    const t0 = uts(T0_MS);
    rig.rig.emu.addScrobble(host, [
      { artist: 'Can', track: 'Vitamin C', timestamp: t0 + 10 },
      { artist: 'Can', track: 'bad\u0000name', timestamp: t0 + 20 },
      // A 300 KB track name, and an artist over the limit too: both cut, the unique key at its largest.
      { artist: astral(1000, 1), track: astral(75_000, 2), album: 'x', timestamp: t0 + 30 },
      { artist: 'Neu!', track: 'Hallogallo', timestamp: t0 + 40 },
    ]);
    await rig.runUntil(engine, at(3));
    // The cut now-playing is shown but never sent as the guest's own now-playing.
    expect((await engine.status(ann.id)).nowPlaying?.track.endsWith('…')).toBe(true);
    await rig.runUntil(engine, at(6));

    const library = rig.rig.emu.scrobbles(ann.name).map((s) => `${s.artist} – ${s.track}`);
    expect(library).toEqual(['Neu! – Hallogallo', 'Can – badname', 'Can – Vitamin C']);
    const status = await engine.status(ann.id);
    expect(status.counts).toMatchObject({ mirrored: 3, ignored: 1, pending: 0 });
    const notAdded = status.recentScrobbles.find((s) => s.status === 'ignored');
    expect(notAdded).toMatchObject({
      timestamp: t0 + 30,
      ignoredCode: IGNORED_CODE.NAME_TOO_LONG,
      ignoredMessage: 'its artist, track or album name is too long to copy',
    });
    expect(notAdded?.track.endsWith('…')).toBe(true);
    // Each cut to 199 four-byte characters and "…": 799 bytes.
    expect(utf8Bytes(notAdded!.artist)).toBe(NAME_MAX_BYTES - 1);
    expect(utf8Bytes(notAdded!.track)).toBe(NAME_MAX_BYTES - 1);
    // Polls re-read the last 30 minutes: the row is recorded, told and counted once.
    expect(skipped).toEqual(['name_too_long 1']);
    expect(await ignoredCodes(t.db, ann.id)).toEqual([-3]);
    const calls = rig.rig.emu.calls().log;
    expect(calls.filter((c) => c.method === 'track.updateNowPlaying')).toEqual([]);
    // Its duration was asked for and cached under the lowercased cut names (~1,200 bytes each).
    expect(calls.filter((c) => c.method === 'track.getInfo').length).toBeGreaterThan(0);
    const cached = await t.db.kysely.selectFrom('track_durations').selectAll().execute();
    expect(cached.map((r) => utf8Bytes(r.artist_lower) + utf8Bytes(r.track_lower))).toContain(
      2 * (398 * 3 + 3),
    );
    const host0 = await t.db.kysely.selectFrom('hosts').selectAll().executeTakeFirstOrThrow();
    expect(host0).toMatchObject({ poll_failures: 0, last_error: null });
  });

  it('lists a catch-up track with a cut name as not added, then records, tells and counts it once', async () => {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const ann = await rig.guest('ann');
    const skipped: string[] = [];
    const engine = rig.engine({ metrics: skippedMetrics(skipped) });
    await rig.runUntil(engine, at(60));
    rig.rig.emu.addScrobble(host, [
      { artist: 'Can', track: 'Vitamin C', timestamp: uts(at(20)) },
      { artist: 'Can', track: 'x'.repeat(5000), timestamp: uts(at(30)) },
    ]);
    const preview = await engine.catchUpPreview(ann.id, host, at(10));
    expect(preview.scrobbles.map((s) => [utf8Bytes(s.track), s.notAdded])).toEqual([
      [9, null],
      [NAME_MAX_BYTES, 'its artist, track or album name is too long to copy'],
    ]);

    await engine.startFollow(ann.id, host, { catchUpFrom: at(10) });
    expect(skipped).toEqual(['name_too_long 1']);
    await rig.runUntil(engine, at(62));
    expect(rig.rig.emu.scrobbles(ann.name).map((s) => s.track)).toEqual(['Vitamin C']);
    expect((await engine.status(ann.id)).counts).toMatchObject({ mirrored: 1, ignored: 1 });
    expect(await ignoredCodes(t.db, ann.id)).toEqual([-3]);
    // The poller reads the same scrobbles again: nothing more is recorded or counted.
    expect(skipped).toEqual(['name_too_long 1']);
  });

  it('stops the follow with `jam_ended` on time while every poll of the host fails', async () => {
    rig = await startEngineRig(t.db);
    const { host, ann, engine } = await rig.soloJam();
    rig.rig.emu.startListener({ user: host, tracks: SONGS.slice(0, 1) });
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(2));
    rig.rig.emu.setFaults({ rate: 1, codes: [503], methods: ['user.getRecentTracks'] });
    await rig.runUntil(engine, at(50));
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ state: 'stopped', stopReason: 'jam_ended' });
    // The last activity a good poll saw: the track playing at 2 min; idle limit 30 min.
    expect(entry!.stoppedAt).toBeGreaterThanOrEqual(at(32));
    expect(entry!.stoppedAt).toBeLessThan(at(32) + 10 * SECOND_MS);
    const hostRow = await t.db.kysely.selectFrom('hosts').selectAll().executeTakeFirstOrThrow();
    expect(hostRow.poll_failures).toBeGreaterThan(5);
    expect(hostRow.last_error).toMatch(/HTTP 503/);
  });

  it('stops the follow with `max_duration` on time while every poll of the host fails', async () => {
    rig = await startEngineRig(t.db, { config: { maxFollowHours: 1 } });
    const { host, ann, engine } = await rig.soloJam();
    rig.rig.emu.startListener({ user: host, tracks: SONGS, loop: true });
    await engine.startFollow(ann.id, host);
    await rig.runUntil(engine, at(45));
    rig.rig.emu.setFaults({ rate: 1, codes: [11], methods: ['user.getRecentTracks'] });
    await rig.runUntil(engine, at(75));
    const [entry] = await engine.history(ann.id);
    expect(entry).toMatchObject({ state: 'stopped', stopReason: 'max_duration' });
    expect(entry!.stoppedAt).toBeGreaterThanOrEqual(T0_MS + HOUR_MS);
    expect(entry!.stoppedAt).toBeLessThan(T0_MS + HOUR_MS + 10 * SECOND_MS);
  });

  it('fails one host on an unexpected error in its write, backs off, stops its follow on time, and polls the others', async () => {
    rig = await startEngineRig(t.db);
    const [good, bad] = [rig.host('good'), rig.host('bad')];
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    // A client that lets a NUL through on `bad`'s polls, as one did before names were cleaned:
    // the poll transaction fails in the database every time.
    const leaky: LastfmApi = {
      ...rig.lastfm,
      async getRecentTracks(q, signal) {
        const recent = await rig.lastfm.getRecentTracks(q, signal);
        if (q.user !== bad || q.allPages !== true) return recent;
        const nul = { artist: 'x', track: 'bad\u0000name', album: '', mbid: '', imageUrl: null };
        return { ...recent, scrobbles: [{ ...nul, timestamp: uts(T0_MS) + 5 }] };
      },
    };
    const engine = rig.engine({ lastfm: leaky });
    rig.rig.emu.startListener({ user: good, tracks: SONGS, loop: true });
    rig.rig.emu.startListener({ user: bad, tracks: SONGS, loop: true });
    await engine.startFollow(ann.id, good);
    await engine.startFollow(bob.id, bad);
    await rig.runUntil(engine, at(40));

    expect((await engine.status(ann.id)).state).toBe('active');
    expect(rig.rig.emu.scrobbles(ann.name).length).toBeGreaterThan(3);
    const [entry] = await engine.history(bob.id);
    expect(entry).toMatchObject({ state: 'stopped', stopReason: 'jam_ended', mirroredCount: 0 });
    // No poll of `bad` was ever written: idle counts from the start.
    expect(entry!.stoppedAt).toBeGreaterThanOrEqual(at(30));
    expect(entry!.stoppedAt).toBeLessThan(at(30) + 10 * SECOND_MS);
    const badRow = await t.db.kysely
      .selectFrom('hosts')
      .selectAll()
      .where('username', '=', bad)
      .executeTakeFirstOrThrow();
    expect(badRow.poll_failures).toBeGreaterThan(5);
    expect(badRow.last_error).toMatch(/^unexpected: /);
    const polls = rig.rig.emu
      .calls()
      .log.filter((c) => c.method === 'user.getRecentTracks' && c.user === bad && c.at < at(30));
    // Backing off (10 s doubling to 5 min) instead of a poll per lease or per 20 s.
    expect(polls.length).toBeLessThan(15);
    expect(rig.errors.length).toBeGreaterThan(5);
    expect(rig.errors.every((e) => e.startsWith('host poll failed: unexpected error'))).toBe(true);
    rig.errors.length = 0;
  });
});
