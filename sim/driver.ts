/**
 * The simulation loop: the policy's `runDue()` (the engine's, or the baseline's), the timeline of
 * host changes and guest actions, and a ManualClock shared by everyone.
 *
 *   while now < end: next = await runDue(); t = min(next, clock.nextTimerAt(), timeline, end,
 *   now + cap); advance the clock to t
 *
 * with two refinements. Guest actions run as concurrent tasks (API requests arrive while the
 * engine works) and wake the policy when they are done, as new work wakes the engine's own loop.
 * While any task is pending, the clock moves only when every request in flight is merely held on
 * the clock (a "timeout" fault) and somebody sleeps on it (a client's back-off, a held answer);
 * otherwise the driver waits for real socket I/O, never spinning.
 */
import { flushEventLoop } from '../lib/clock.js';
import type { Progress, SimClock } from './progress.js';
import type { Timeline } from './timeline.js';
import type { WireState } from './wire.js';

/** What the driver runs: resolves with the next time (ms) it wants to run, or null. */
export interface DuePolicy {
  runDue(): Promise<number | null>;
}

/** Options of `SimDriver`. */
export interface DriverOptions {
  /** Longest the policy is left alone even if it asks for later (ms). Default 60 s. */
  capMs?: number;
  /**
   * Least time between the end of one `runDue` and the next, unless woken (the engine's own `run`
   * loop naps at least 50 ms, which batches work due close together). Default 0.
   */
  minGapMs?: number;
  /** Real ms without any progress before the run fails as stalled. Default 30 s. */
  stallMs?: number;
  /** Calls of `runDue` at one instant before the run fails as spinning. Default 1000. */
  maxCallsPerInstant?: number;
}

/** Runs a policy, a timeline and a clock together. */
export class SimDriver {
  private dueAt = Number.NEGATIVE_INFINITY;
  /** Woken while `runDue` ran: run again as soon as it is done, whatever it asked for. */
  private woken = false;
  private running = false;
  private readonly tasks = new Set<Promise<void>>();
  private failure: unknown = null;
  private callsAt = { at: Number.NaN, n: 0 };
  /** `runDue` calls made. */
  runDueCalls = 0;
  private readonly capMs: number;
  private readonly minGapMs: number;
  private readonly stallMs: number;
  private readonly maxCallsPerInstant: number;

  constructor(
    readonly clock: SimClock,
    readonly timeline: Timeline,
    private readonly wire: WireState,
    private readonly progress: Progress,
    private policy: DuePolicy,
    opts: DriverOptions = {},
  ) {
    this.capMs = opts.capMs ?? 60_000;
    this.minGapMs = opts.minGapMs ?? 0;
    this.stallMs = opts.stallMs ?? 30_000;
    this.maxCallsPerInstant = opts.maxCallsPerInstant ?? 1000;
  }

  /** Replaces the policy (an engine restarted after a crash) and runs it no sooner than `at`. */
  replacePolicy(policy: DuePolicy, at: number): void {
    this.policy = policy;
    this.dueAt = at;
  }

  /** Makes the policy run at the current time (new work arrived). */
  wake(): void {
    this.woken = true;
    this.dueAt = Math.min(this.dueAt, this.clock.now());
  }

  /** Runs `fn` as a concurrent task; a throw fails the run. */
  spawn(fn: () => Promise<void>): void {
    const task: Promise<void> = fn()
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.tasks.delete(task);
        this.progress.bump();
      });
    this.tasks.add(task);
  }

  /** Runs until the clock reaches `end` with nothing pending. */
  async runUntil(end: number): Promise<void> {
    for (;;) {
      this.throwIfFailed();
      await this.applyDueEvents();
      this.maybeRunPolicy();
      if (this.tasks.size > 0) {
        await this.progressTasks();
        continue;
      }
      await this.settleIo();
      const now = this.clock.now();
      if (now >= end) return;
      const t = Math.min(
        this.dueAt,
        this.timeline.nextAt() ?? Infinity,
        this.clock.nextTimerAt() ?? Infinity,
        end,
      );
      await this.clock.advanceTo(Math.max(t, now));
    }
  }

  /** Waits for every pending task, moving the clock only as `progressTasks` allows. */
  async drainTasks(): Promise<void> {
    while (this.tasks.size > 0) await this.progressTasks();
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    const f = this.failure;
    if (f === null) return;
    throw f instanceof Error ? f : new Error(`a simulation task failed: ${JSON.stringify(f)}`);
  }

  private async applyDueEvents(): Promise<void> {
    for (;;) {
      const ev = this.timeline.takeDue(this.clock.now());
      if (!ev) return;
      if (ev.kind === 'host') await ev.run();
      else this.spawn(async () => ev.run());
    }
  }

  private maybeRunPolicy(): void {
    const now = this.clock.now();
    if (this.running || now < this.dueAt) return;
    if (this.callsAt.at === now) {
      if (++this.callsAt.n > this.maxCallsPerInstant) {
        throw new Error(`runDue called ${this.callsAt.n} times at ${new Date(now).toISOString()}`);
      }
    } else this.callsAt = { at: now, n: 1 };
    this.running = true;
    this.woken = false;
    this.runDueCalls += 1;
    const policy = this.policy;
    this.spawn(async () => {
      try {
        const next = await policy.runDue();
        if (policy !== this.policy) return; // a crashed engine's answer means nothing
        const at = this.clock.now();
        const asked = Math.max(Math.min(next ?? Infinity, at + this.capMs), at + this.minGapMs);
        this.dueAt = this.woken ? at : asked;
      } finally {
        this.running = false;
      }
    });
  }

  /** One step while tasks are pending: wait for I/O, or move the clock if only sleepers are left. */
  private async progressTasks(): Promise<void> {
    const version = this.progress.version;
    if (this.wire.inflight <= this.wire.held && this.clock.pending > 0) {
      // Let callbacks already queued run first, so work that is about to start is not skipped over.
      await flushEventLoop();
      await flushEventLoop();
      if (this.progress.version !== version || this.tasks.size === 0) return;
      const t = Math.min(this.clock.nextTimerAt() ?? Infinity, this.timeline.nextAt() ?? Infinity);
      if (t !== Infinity) {
        await this.clock.advanceTo(Math.max(t, this.clock.now()));
        await this.applyDueEvents();
        return;
      }
    }
    await this.progress.wait(this.stallMs, () => this.describe());
  }

  /** Waits until no request is in flight except held ones (fire-and-forget calls included). */
  private async settleIo(): Promise<void> {
    while (this.wire.inflight > this.wire.held) {
      await this.progress.wait(this.stallMs, () => this.describe());
    }
  }

  private describe(): string {
    return (
      `tasks=${this.tasks.size} inflight=${this.wire.inflight} held=${this.wire.held} ` +
      `sleepers=${this.clock.pending} at ${new Date(this.clock.now()).toISOString()}`
    );
  }
}
