/**
 * Runs one generated jam through Lasso's engine on the simulation rig, drains it (faults are over
 * by the end; grace periods, retries, reconciles and daily-cap holds get the time they need),
 * and judges every guest's library against the oracle.
 */
import { sql } from 'kysely';
import { HOUR_MS, MINUTE_MS } from '../../lib/clock.js';
import { upsertAccount } from '../../store/accounts.js';
import type { Db } from '../../store/db.js';
import { LassoPolicy, type EngineFactory } from '../../sim/lasso-policy.js';
import { inSimWindow, isExact } from '../../sim/oracle.js';
import { guestOutcome, type GuestOutcome } from '../../sim/outcome.js';
import type { SimGuest } from '../../sim/policy.js';
import { SimRig } from '../../sim/rig.js';
import { planScenario, type ModelScenario } from './scenario.js';

/** Where every run starts: 2026-01-05 18:00 UTC (the daily cap resets 6 h later). */
export const MODEL_T0 = Date.UTC(2026, 0, 5, 18, 0, 0);
const HOST = 'the_host';
/**
 * Longest drain after the jam: past the next two UTC midnights, when daily-cap holds lift (a
 * guest's scrobbles fit in two days' cap).
 */
const MAX_DRAIN_MS = 56 * HOUR_MS;

/** What a run came to. */
export interface ModelVerdict {
  ok: boolean;
  problems: string[];
  outcomes: GuestOutcome[];
  summary: string;
  /** One line: what the run exercised. */
  stats: string;
}

/** Runs a scenario on `db` (fresh and migrated) and judges it. */
export async function runModel(
  s: ModelScenario,
  db: Db,
  createEngine: EngineFactory,
): Promise<ModelVerdict> {
  const plan = planScenario(s, MODEL_T0, HOST);
  const rig = await SimRig.start({
    seed: s.seed,
    startMs: MODEL_T0 - 6 * MINUTE_MS,
    stallMs: 20_000,
  });
  try {
    rig.addHost(HOST);
    rig.preload(HOST, plan.history);
    rig.play(HOST, plan.plays);
    for (const f of plan.faults) rig.faults(f.from, f.to, f.spec);
    const guests: SimGuest[] = [];
    for (let i = 0; i < s.guests.length; i++) {
      guests.push(
        await rig.addGuest(`guest_${i + 1}`, async (name, key) => {
          const now = new Date(rig.clock.now());
          return (
            await upsertAccount(db.kysely, { username: name, sessionKeyEnc: Buffer.from(key), now })
          ).id;
        }),
      );
    }
    const policy = new LassoPolicy({
      rig,
      db,
      createEngine,
      crashes: s.crashes,
      maxConcurrency: s.maxConcurrency,
    });
    rig.usePolicy(policy);
    plan.actions.forEach((list, i) => {
      for (const { at, action } of list) rig.act(at, guests[i]!, action);
    });
    await rig.runUntil(plan.endMs + 30 * MINUTE_MS);
    while ((await unsettledRows(db)) > 0 && rig.clock.now() < plan.endMs + MAX_DRAIN_MS) {
      await rig.runUntil(rig.clock.now() + 30 * MINUTE_MS);
    }
    const outcomes: GuestOutcome[] = [];
    for (const g of guests) outcomes.push(await guestOutcome(rig, policy, g));
    const problems = judge(outcomes, rig, await unsettledRows(db));
    const summary = summarize(s, rig, policy, outcomes, problems);
    await policy.shutdown().catch(() => undefined);
    const stats = runStats(s, rig, policy, outcomes);
    return { ok: problems.length === 0, problems, outcomes, summary, stats };
  } finally {
    await rig.close();
  }
}

/** Outbox rows not yet settled (pending or sending). */
async function unsettledRows(db: Db): Promise<number> {
  const r = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM outbox WHERE state IN ('pending', 'sending')`.execute(
    db.kysely,
  );
  return r.rows[0]?.n ?? 0;
}

function judge(outcomes: GuestOutcome[], rig: SimRig, unsettled: number): string[] {
  const problems: string[] = [];
  for (const o of outcomes) {
    const c = o.comparison;
    if (!isExact(c)) {
      problems.push(
        `${o.guest}: missing ${c.missing.length}, outside window ${c.outsideWindow.length}, ` +
          `duplicate rows ${c.duplicateRows.length}, album changed ${c.albumMismatch.length}, ` +
          `claimed twice ${c.expectedTwice.length}`,
      );
    }
    for (const w of o.windowProblems) problems.push(`${o.guest}: ${w}`);
  }
  const dups = rig.wire.ledger?.duplicateItems ?? [];
  if (dups.length > 0)
    problems.push(`${dups.length} scrobble(s) sent again after Last.fm had recorded them`);
  if (unsettled > 0)
    problems.push(`${unsettled} outbox row(s) still pending or sending after the drain`);
  return problems;
}

function runStats(
  s: ModelScenario,
  rig: SimRig,
  policy: LassoPolicy,
  outcomes: GuestOutcome[],
): string {
  const calls = rig.emu.calls();
  const faulted = calls.log.filter((c) => c.fault !== undefined).length;
  const mirrored = outcomes.reduce((n, o) => n + o.comparison.mirrored, 0);
  const failed = rig.actions.filter((a) => !a.ok).length;
  // Expected scrobbles no window's span holds: the tracks playing when windows opened.
  const leads = outcomes.reduce(
    (n, o) =>
      n +
      o.expected.filter(
        (e) => !o.follows.some((f) => f.windows.some((w) => inSimWindow(e.timestamp, w))),
      ).length,
    0,
  );
  return (
    `${s.guests.length} guests, ${rig.actions.length} actions (${failed} failed), ` +
    `${mirrored} mirrored (${leads} playing at an opening), ` +
    `${calls.total} calls (${faulted} faulted), crashes ${policy.crashLog.map((c) => c.point).join('+') || '-'}, ` +
    `ended ${hhmmss(rig.clock.now())}`
  );
}

/** The `err` of a log line as "Name: message", else the line's fields. */
function describeErr(obj: object): string {
  const err = (obj as { err?: unknown }).err;
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return JSON.stringify(obj).slice(0, 300);
}

const hhmmss = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** A compact account of the run for a failure message. */
function summarize(
  s: ModelScenario,
  rig: SimRig,
  policy: LassoPolicy,
  outcomes: GuestOutcome[],
  problems: string[],
): string {
  const lines = [`problems:`, ...problems.map((p) => `  - ${p}`)];
  lines.push(
    `crashes: ${policy.crashLog.map((c) => `${c.point}@${hhmmss(c.at)}`).join(', ') || 'none'}; concurrency ${s.maxConcurrency}`,
  );
  lines.push(`actions:`);
  for (const a of rig.actions) {
    const what =
      a.action.kind === 'start' && a.action.catchUpFrom !== undefined
        ? `start(catch-up ${hhmmss(a.action.catchUpFrom)})`
        : a.action.kind;
    lines.push(
      `  ${a.guest} ${what} ${hhmmss(a.launchedAt)}→${hhmmss(a.settledAt)} ${a.ok ? 'ok' : (a.error ?? '')}`,
    );
  }
  for (const o of outcomes) {
    const windows = o.follows.flatMap((f) =>
      f.windows.map(
        (w) => `[${hhmmss(w.openedAt)}, ${w.closedAt === null ? '…' : hhmmss(w.closedAt)})`,
      ),
    );
    lines.push(
      `${o.guest}: windows ${windows.join(' ')}; expected ${o.expected.length}, library ${o.library.length}`,
    );
    for (const m of o.comparison.missing.slice(0, 5))
      lines.push(`  missing ${hhmmss(m.timestamp * 1000)} ${m.artist} – ${m.track}`);
    for (const m of o.comparison.outsideWindow.slice(0, 5))
      lines.push(`  outside ${hhmmss(m.timestamp * 1000)} ${m.artist} – ${m.track}`);
  }
  const errors = policy.log.filter((l) => l.level === 'error');
  const distinct = [...new Set(errors.map((e) => `${e.msg ?? ''}: ${describeErr(e.obj)}`))];
  for (const e of distinct.slice(0, 5)) lines.push(`engine error: ${e}`);
  lines.push(`quirks: ${JSON.stringify(s.quirks)}`);
  return lines.join('\n');
}
