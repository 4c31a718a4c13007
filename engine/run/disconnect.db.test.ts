/**
 * Disconnect deletes everything Lasso holds about a guest, in one transaction, even while the
 * engine is in the middle of work for them: a scrobble batch in flight (its settle writes
 * nothing for the vanished guest and everything for the others) or a host poll whose answer is
 * on its way (its transaction inserts for the remaining follows only).
 */
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import type { LastfmApi } from '../../lastfm/types.js';
import type { Db } from '../../store/db.js';
import { createWebSession } from '../../store/web-sessions.js';
import { describeEachDatabase } from '../../store/test-support/databases.js';
import { randomHash } from '../../store/test-support/factories.js';
import { dumpDatabase, secretForms } from '../../server/test-support/db-dump.js';
import { T0_MS } from '../../test/integration/harness.js';
import {
  at,
  uts,
  startEngineRig,
  type EngineRig,
  type TestGuest,
} from '../test-support/engine-rig.js';

/** A call held until released; `reached` resolves when the call arrives. */
interface Hold {
  reached: Promise<void>;
  release(): void;
}

/** Wraps `api` so the first call of `method` that `match` accepts waits for `release()`. */
function holdOnce(
  api: LastfmApi,
  method: 'scrobble' | 'getRecentTracks',
  match: (args: unknown[]) => boolean,
): { api: LastfmApi; hold: Hold } {
  let arrive = (): void => undefined;
  let release = (): void => undefined;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let used = false;
  const original = api[method] as (...args: unknown[]) => Promise<unknown>;
  const wrapped = async (...args: unknown[]): Promise<unknown> => {
    if (!used && match(args)) {
      used = true;
      arrive();
      await released;
    }
    return original(...args);
  };
  return { api: { ...api, [method]: wrapped }, hold: { reached, release } };
}

/** Rows anywhere that belong to the account `id` (by the columns that reference accounts). */
async function rowsOf(db: Db, id: number): Promise<Record<string, number>> {
  const count = async (table: string, column: string): Promise<number> => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}
      WHERE ${sql.ref(column)} = ${id}`.execute(db.kysely);
    return r.rows[0]?.n ?? 0;
  };
  return {
    accounts: await count('accounts', 'id'),
    web_sessions: await count('web_sessions', 'account_id'),
    follows: await count('follows', 'guest_id'),
    outbox: await count('outbox', 'guest_id'),
    events: await count('events', 'guest_id'),
  };
}

const NOTHING = { accounts: 0, web_sessions: 0, follows: 0, outbox: 0, events: 0 };

describeEachDatabase('engine: disconnecting', (t) => {
  let rig: EngineRig;
  afterEach(() => rig.closeChecked());

  /** Ann and Bob follow one host that scrobbled two tracks since they joined. */
  async function jam(): Promise<{ host: string; ann: TestGuest; bob: TestGuest }> {
    rig = await startEngineRig(t.db);
    const host = rig.host();
    const [ann, bob] = [await rig.guest('ann'), await rig.guest('bob')];
    const setup = rig.engine();
    await setup.startFollow(ann.id, host);
    await setup.startFollow(bob.id, host);
    await createWebSession(t.db.kysely, {
      idHash: randomHash(),
      accountId: ann.id,
      now: new Date(T0_MS),
    });
    await rig.runUntil(setup, at(1));
    await setup.shutdown();
    rig.rig.emu.addScrobble(
      host,
      [10, 20].map((s) => ({ artist: 'D', track: `T${s}`, album: 'A', timestamp: uts(at(0, s)) })),
    );
    // Due now: the next runDue polls, then submits.
    await t.db.kysely
      .updateTable('hosts')
      .set({ next_poll_at: new Date(at(1)) })
      .execute();
    return { host, ann, bob };
  }

  it('deletes the guest while their batch is in flight; the settle writes only the others’', async () => {
    const { ann, bob } = await jam();
    const { api, hold } = holdOnce(rig.lastfm, 'scrobble', ([sk]) => sk === ann.sessionKey);
    const engine = rig.engine({ lastfm: api });
    const running = engine.runDue();
    await hold.reached;
    expect(await engine.accountDisconnected(ann.id)).toEqual({ dropped: 2 });
    expect(await rowsOf(t.db, ann.id)).toEqual(NOTHING);
    hold.release();
    await running;
    await rig.runUntil(engine, at(3));

    expect(rig.tracksOf(bob.name)).toEqual(['T10', 'T20']);
    const bobRows = await t.db.kysely
      .selectFrom('outbox')
      .select('state')
      .where('guest_id', '=', bob.id)
      .execute();
    expect(bobRows.map((r) => r.state)).toEqual(['accepted', 'accepted']);
    expect((await engine.status(bob.id)).counts.mirrored).toBe(2);
    const dump = await dumpDatabase(t.db);
    for (const form of [...secretForms(ann.name), ...secretForms(ann.sessionKey)]) {
      expect(dump).not.toContain(form);
    }
    expect(await rowsOf(t.db, ann.id)).toEqual(NOTHING);
    expect(await engine.accountDisconnected(ann.id)).toEqual({ dropped: 0 });
  });

  it('deletes the guest while a poll of their host is on its way; it inserts for the others', async () => {
    const { host, ann, bob } = await jam();
    const { api, hold } = holdOnce(rig.lastfm, 'getRecentTracks', ([q]) => {
      return (q as { user: string }).user === host;
    });
    const engine = rig.engine({ lastfm: api });
    const running = engine.runDue();
    await hold.reached;
    expect(await engine.accountDisconnected(ann.id)).toEqual({ dropped: 0 });
    hold.release();
    await running;
    await rig.runUntil(engine, at(3));

    expect(rig.rig.emu.scrobbles(bob.name)).toHaveLength(2);
    expect(rig.rig.emu.scrobbles(ann.name)).toEqual([]);
    expect(await rowsOf(t.db, ann.id)).toEqual(NOTHING);
    expect(await dumpDatabase(t.db)).not.toContain(ann.name);
  });
});
