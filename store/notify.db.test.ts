import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { notify } from './db.js';
import { describeEachDatabase } from './test-support/databases.js';

/** Collects payloads and lets a test wait for a given one. */
function collector() {
  const received: string[] = [];
  const waiters: Array<{ payload: string; resolve: () => void }> = [];
  return {
    received,
    onPayload(payload: string): void {
      received.push(payload);
      for (const w of waiters.filter((x) => x.payload === payload)) w.resolve();
    },
    waitFor(payload: string): Promise<void> {
      if (received.includes(payload)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ payload, resolve }));
    },
  };
}

class Rollback extends Error {}

describeEachDatabase('LISTEN/NOTIFY', (t) => {
  it('delivers a NOTIFY from a committed transaction and never one from a rolled-back one', async () => {
    const inbox = collector();
    const unsubscribe = await t.db.listen('lasso_test_tx', inbox.onPayload);
    await t.db.kysely.transaction().execute(async (trx) => {
      await notify(trx, 'lasso_test_tx', 'committed');
    });
    await t.db.kysely
      .transaction()
      .execute(async (trx) => {
        await t.db.notify(trx, 'lasso_test_tx', 'rolled back');
        throw new Rollback();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
    await notify(t.db.kysely, 'lasso_test_tx', 'marker');
    // Notifications arrive in commit order: once the marker is here, a leaked one would be too.
    await inbox.waitFor('marker');
    expect(inbox.received).toEqual(['committed', 'marker']);
    await unsubscribe();
  });

  it('delivers to every subscriber of the channel only, and stops after unsubscribe', async () => {
    const [a, b, other] = [collector(), collector(), collector()];
    const stopA = await t.db.listen('lasso_test_fan', a.onPayload);
    const stopB = await t.db.listen('lasso_test_fan', b.onPayload);
    const stopOther = await t.db.listen('lasso_test_other', other.onPayload);
    await notify(t.db.kysely, 'lasso_test_fan', JSON.stringify({ id: 1, guest_id: 2 }));
    await Promise.all([a.waitFor('{"id":1,"guest_id":2}'), b.waitFor('{"id":1,"guest_id":2}')]);
    await stopA();
    await stopA();
    await notify(t.db.kysely, 'lasso_test_fan', 'second');
    await notify(t.db.kysely, 'lasso_test_other', 'marker');
    await Promise.all([b.waitFor('second'), other.waitFor('marker')]);
    expect(a.received).toEqual(['{"id":1,"guest_id":2}']);
    expect(other.received).toEqual(['marker']);
    await Promise.all([stopB(), stopOther()]);
  });

  it('keeps delivering when one subscriber throws', async () => {
    const good = collector();
    const stopBad = await t.db.listen('lasso_test_throw', () => {
      throw new Error('subscriber bug');
    });
    const stopGood = await t.db.listen('lasso_test_throw', good.onPayload);
    await notify(t.db.kysely, 'lasso_test_throw', 'one');
    await notify(t.db.kysely, 'lasso_test_throw', 'two');
    await good.waitFor('two');
    expect(good.received).toEqual(['one', 'two']);
    await Promise.all([stopBad(), stopGood()]);
  });

  it('starts listening while another transaction is open, and that rollback does not undo it', async () => {
    const inbox = collector();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inTransaction = new Promise<void>((resolve) => (entered = resolve));
    const transaction = t.db.kysely
      .transaction()
      .execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        entered();
        await gate;
        throw new Rollback();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
    await inTransaction;
    const listening = t.db.listen('lasso_test_during_tx', inbox.onPayload);
    release();
    await transaction;
    const stop = await listening;
    await notify(t.db.kysely, 'lasso_test_during_tx', 'after');
    await inbox.waitFor('after');
    await stop();
  }, 5_000);

  it('refuses channel names that would need quoting', async () => {
    await expect(t.db.listen('Lasso Events; DROP', () => undefined)).rejects.toThrow(
      /invalid channel/,
    );
    await expect(notify(t.db.kysely, 'Bad-Name', 'x')).rejects.toThrow(/invalid channel/);
  });

  it.runIf(t.kind === 'postgres')(
    'reconnects after the server drops the listening connection',
    async () => {
      const inbox = collector();
      let reconnected!: () => void;
      const reconnectedOnce = new Promise<void>((resolve) => (reconnected = resolve));
      const stop = await t.db.listen('lasso_test_reconnect', inbox.onPayload, {
        onReconnect: () => reconnected(),
      });
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'lasso-listener'`.execute(
        t.db.kysely,
      );
      await reconnectedOnce;
      await notify(t.db.kysely, 'lasso_test_reconnect', 'after');
      await inbox.waitFor('after');
      await stop();
    },
  );
});
