import type { KyselyPlugin } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { HOUR_MS, ManualClock, SECOND_MS } from '../lib/clock.js';
import { describeEachDatabase } from '../store/test-support/databases.js';
import {
  insertAccount,
  insertFollow,
  insertOutbox,
  insertHost,
  TEST_NOW,
} from '../store/test-support/factories.js';
import type { DbExecutor } from '../store/db.js';
import { createLogger, memoryDestination } from './logger.js';
import { createMetrics, type StoreGauges } from './metrics.js';
import { countStoreGauges, refreshStoreGauges, STORE_GAUGES_INTERVAL_MS } from './store-gauges.js';

/** Counts the queries run through a Kysely instance. */
function countingPlugin(): KyselyPlugin & { queries: number } {
  const plugin = {
    queries: 0,
    transformQuery: (args: Parameters<KyselyPlugin['transformQuery']>[0]) => {
      plugin.queries += 1;
      return args.node;
    },
    transformResult: async (args: Parameters<KyselyPlugin['transformResult']>[0]) => args.result,
  };
  return plugin;
}

async function addOutboxRow(db: DbExecutor, state: 'pending' | 'sending' | 'accepted') {
  const guest = await insertAccount(db);
  const host = await insertHost(db);
  const follow = await insertFollow(db, { guestId: guest.id, hostId: host.id });
  await insertOutbox(
    db,
    { followId: follow.id, guestId: guest.id },
    {
      state,
      sending_since: state === 'sending' ? TEST_NOW : null,
      settled_at: state === 'accepted' ? TEST_NOW : null,
    },
  );
}

function gaugeValues(body: string): StoreGauges {
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(body)?.[1]);
  return {
    activeFollows: read('lasso_active_follows'),
    outboxPending: read('lasso_outbox_pending'),
    hostsOverdue: read('lasso_hosts_overdue'),
    heldGuests: read('lasso_held_guests'),
  };
}

const NOW = TEST_NOW.getTime();

describeEachDatabase('store gauges', (ctx) => {
  it('counts active follows and pending or sending outbox rows in one query', async () => {
    const before = await countStoreGauges(ctx.db.kysely, NOW);
    const guest = await insertAccount(ctx.db.kysely);
    const host = await insertHost(ctx.db.kysely);
    await insertFollow(
      ctx.db.kysely,
      { guestId: guest.id, hostId: host.id },
      { state: 'paused', pause_reason: 'user' },
    );
    await addOutboxRow(ctx.db.kysely, 'pending');
    await addOutboxRow(ctx.db.kysely, 'sending');
    await addOutboxRow(ctx.db.kysely, 'accepted');
    const counter = countingPlugin();
    const after = await countStoreGauges(ctx.db.kysely.withPlugin(counter), NOW);
    expect(counter.queries).toBe(1);
    // Each outbox row came with an active follow; the paused follow does not count.
    expect(after).toEqual({
      ...before,
      activeFollows: before.activeFollows + 3,
      outboxPending: before.outboxPending + 2,
    });
  });

  it('counts hosts over a minute late with no live lease, and guests held by the daily limit', async () => {
    const before = await countStoreGauges(ctx.db.kysely, NOW);
    const ago = (ms: number) => new Date(NOW - ms);
    await insertHost(ctx.db.kysely, { next_poll_at: ago(61 * SECOND_MS) });
    await insertHost(ctx.db.kysely, {
      next_poll_at: ago(61 * SECOND_MS),
      lease_owner: 'other',
      lease_until: new Date(NOW + HOUR_MS),
    });
    await insertHost(ctx.db.kysely, {
      next_poll_at: ago(10 * 60 * SECOND_MS),
      lease_owner: 'dead',
      lease_until: ago(SECOND_MS),
    });
    await insertHost(ctx.db.kysely, { next_poll_at: ago(30 * SECOND_MS) });
    const host = await insertHost(ctx.db.kysely);
    const held = await insertAccount(ctx.db.kysely);
    const heldUntil = new Date(NOW + HOUR_MS);
    await insertFollow(
      ctx.db.kysely,
      { guestId: held.id, hostId: host.id },
      {
        state: 'stopped',
        stop_reason: 'stopped_by_user',
        stopped_at: TEST_NOW,
        held_until: heldUntil,
      },
    );
    await insertFollow(
      ctx.db.kysely,
      { guestId: held.id, hostId: host.id },
      { held_until: heldUntil },
    );
    const released = await insertAccount(ctx.db.kysely);
    await insertFollow(
      ctx.db.kysely,
      { guestId: released.id, hostId: host.id },
      { held_until: ago(SECOND_MS) },
    );
    const after = await countStoreGauges(ctx.db.kysely, NOW);
    // Overdue: the unleased host and the one whose owner's lease lapsed; not the one being
    // polled (live lease) nor the one 30 s late. Held: one guest, however many follows.
    expect(after.hostsOverdue).toBe(before.hostsOverdue + 2);
    expect(after.heldGuests).toBe(before.heldGuests + 1);
  });

  it('refreshes the gauges every 15 s in the background; scrapes run no query', async () => {
    const clock = new ManualClock();
    const metrics = createMetrics();
    const counter = countingPlugin();
    const db = { kysely: ctx.db.kysely.withPlugin(counter) };
    const logger = createLogger({ logLevel: 'warn' }, memoryDestination());
    const stop = new AbortController();
    const loop = refreshStoreGauges({ db, metrics, clock, logger }, stop.signal);
    const first = await countStoreGauges(ctx.db.kysely, clock.now());
    await vi.waitFor(() => expect(counter.queries).toBe(1));
    await vi.waitFor(async () => expect(gaugeValues((await metrics.render()).body)).toEqual(first));

    for (let i = 0; i < 20; i += 1) await metrics.render();
    expect(counter.queries).toBe(1);

    await addOutboxRow(ctx.db.kysely, 'pending');
    await clock.advance(STORE_GAUGES_INTERVAL_MS - 1);
    expect(counter.queries).toBe(1);
    await clock.advance(1);
    await vi.waitFor(async () =>
      expect(gaugeValues((await metrics.render()).body)).toEqual({
        ...first,
        activeFollows: first.activeFollows + 1,
        outboxPending: first.outboxPending + 1,
      }),
    );
    expect(counter.queries).toBe(2);
    stop.abort();
    await loop;
  });
});

describe('refreshStoreGauges', () => {
  it('keeps the last values and logs when a count fails', async () => {
    const clock = new ManualClock();
    const metrics = createMetrics();
    metrics.setStoreGauges({ activeFollows: 4, outboxPending: 2, hostsOverdue: 1, heldGuests: 3 });
    const logs = memoryDestination();
    const failing = {
      kysely: {
        selectNoFrom: () => {
          throw new Error('database away');
        },
      },
    } as unknown as Parameters<typeof refreshStoreGauges>[0]['db'];
    const stop = new AbortController();
    const loop = refreshStoreGauges(
      { db: failing, metrics, clock, logger: createLogger({ logLevel: 'warn' }, logs) },
      stop.signal,
    );
    stop.abort();
    await loop;
    expect(gaugeValues((await metrics.render()).body)).toEqual({
      activeFollows: 4,
      outboxPending: 2,
      hostsOverdue: 1,
      heldGuests: 3,
    });
    expect(logs.lines()[0]).toMatchObject({ message: 'counting the store gauges failed' });
  });
});
