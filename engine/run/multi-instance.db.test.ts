/**
 * Two engines on one database, as two server instances would run: on PostgreSQL each with its own
 * connection pool, running at the same moments; on PGlite (one process only) taking turns. They
 * share the work, never poll one host at once, never send two batches of one guest at once, and
 * never send a scrobble twice; every guest gets exactly their in-window scrobbles.
 */
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../store/db.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import type { EngineRuntime } from '../engine-api.js';
import type { LastfmApi } from '../../lastfm/types.js';
import {
  at,
  expectedLibrary,
  runEngines,
  startEngineRig,
  type EngineRig,
  type TestGuest,
} from '../test-support/engine-rig.js';

/** A second pool on the test's PostgreSQL database: another instance's connections. */
async function secondPool(db: Db): Promise<Db> {
  const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(
    db.kysely,
  );
  const url = new URL(process.env.TEST_DATABASE_URL ?? '');
  url.pathname = `/${rows[0]?.name ?? ''}`;
  return openDatabase({ url: url.toString(), migrate: false, poolSize: 4 });
}

/** Counts the Last.fm calls an engine makes. */
function counted(api: LastfmApi, count: { n: number }): LastfmApi {
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => {
      count.n++;
      return fn(...a);
    };
  return {
    ...api,
    getRecentTracks: wrap(api.getRecentTracks),
    getTrackInfo: wrap(api.getTrackInfo),
    scrobble: wrap(api.scrobble),
    updateNowPlaying: wrap(api.updateNowPlaying),
  };
}

/** The engines one after the other, the first to go alternating (PGlite: one connection). */
async function takeTurns(rig: EngineRig, engines: EngineRuntime[], untilMs: number): Promise<void> {
  for (let round = 0; ; round++) {
    const nexts: (number | null)[] = [];
    const order = round % 2 === 0 ? engines : [...engines].reverse();
    for (const e of order) nexts.push(await e.runDue());
    const now = rig.rig.clock.now();
    if (now >= untilMs) return;
    const due = [...nexts, rig.rig.clock.nextTimerAt() ?? null, untilMs].filter(
      (x): x is number => x !== null,
    );
    await rig.rig.clock.advanceTo(Math.max(Math.min(...due), now + 1));
  }
}

const PLAYLISTS = [
  [{ artist: 'Stereolab', track: 'French Disko', album: 'Jenny Ondioline', duration_s: 200 }],
  [
    {
      artist: 'Broadcast',
      track: 'Come On Let’s Go',
      album: 'The Noise Made by People',
      duration_s: 185,
    },
  ],
  [{ artist: 'Boards of Canada', track: 'Roygbiv', album: 'MHTRTC', duration_s: 151 }],
];

describeEachDatabase('engine: two instances on one database', (t) => {
  let rig: EngineRig;
  let other: Db | null = null;
  afterEach(async () => {
    expect(rig.errors).toEqual([]);
    await rig.close();
    await other?.close();
    other = null;
  });

  it('share the work without polling a host twice at once or sending anything twice', async () => {
    rig = await startEngineRig(t.db);
    other = t.kind === 'postgres' ? await secondPool(t.db) : t.db;
    const hosts = PLAYLISTS.map(() => rig.host());
    const guests: TestGuest[] = [];
    for (let i = 0; i < 6; i++) guests.push(await rig.guest(`g${i}`));
    const [aCalls, bCalls] = [{ n: 0 }, { n: 0 }];
    const a = rig.engine({ lastfm: counted(rig.lastfm, aCalls), maxConcurrency: 4 });
    const b = rig.engine({ db: other, lastfm: counted(rig.lastfm, bCalls), maxConcurrency: 4 });
    const run = (until: number): Promise<void> =>
      t.kind === 'postgres' ? runEngines(rig.rig, [a, b], until) : takeTurns(rig, [a, b], until);

    hosts.forEach((user, i) =>
      rig.rig.emu.startListener({ user, tracks: PLAYLISTS[i]!, loop: true }),
    );
    for (const [i, g] of guests.entries()) await (i % 2 ? b : a).startFollow(g.id, hosts[i % 3]!);
    await run(at(15));
    await a.pause(guests[0]!.id);
    await b.startFollow(guests[1]!.id, hosts[2]!);
    await run(at(25));
    await b.resume(guests[0]!.id);
    await run(at(45));
    for (const [i, g] of guests.entries()) await (i % 2 ? a : b).stop(g.id);
    await run(at(65));

    for (const g of guests) {
      const windows = await t.db.kysely
        .selectFrom('follow_windows as w')
        .innerJoin('follows as f', 'f.id', 'w.follow_id')
        .innerJoin('hosts as h', 'h.id', 'f.host_id')
        .select(['w.opened_at', 'w.closed_at', 'h.username'])
        .where('f.guest_id', '=', g.id)
        .execute();
      const duration = (s: { track: string }): number =>
        PLAYLISTS.flat().find((t) => t.track === s.track)?.duration_s ?? 0;
      const expected = [...new Set(windows.map((w) => w.username))].flatMap((user) =>
        expectedLibrary(
          rig.rig.emu.scrobbles(user),
          windows
            .filter((w) => w.username === user)
            .map((w) => [w.opened_at.getTime(), w.closed_at?.getTime() ?? Infinity]),
          duration,
        ),
      );
      const sort = (xs: typeof expected): typeof expected =>
        [...xs].sort((x, y) => x.timestamp - y.timestamp);
      expect(sort(rig.rig.emu.scrobbles(g.name))).toEqual(sort(expected));
      expect(expected.length).toBeGreaterThan(3);
    }
    expect(rig.resent()).toEqual([]);
    expect(Math.max(...rig.maxInFlight.values())).toBe(1);
    expect(aCalls.n).toBeGreaterThan(10);
    expect(bCalls.n).toBeGreaterThan(10);
  });
});
