/**
 * The simulation's view of "something happened": every request sent or answered, every sleeper
 * added to the clock, every task settled bumps it, so the driver waits on events instead of
 * spinning (a spinning driver would burn the CPU the scale bench measures).
 */
import { ManualClock } from '../lib/clock.js';
import type { Clock } from '../lib/clock.js';

/** A counter with waiters. */
export class Progress {
  version = 0;
  private waiters: Array<() => void> = [];

  bump(): void {
    this.version += 1;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * Resolves at the next bump. Rejects after `stallMs` of real time without one: the simulation
   * is stuck (e.g. a task awaits something no clock move or I/O will ever deliver).
   */
  wait(stallMs: number, what: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`simulation stalled for ${stallMs} ms of real time: ${what()}`));
      }, stallMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }
}

/**
 * A ManualClock that reports each new sleeper, so a task going to sleep counts as progress, and
 * tells `onTime` where it stopped after each move (the emulator worker reads time from there).
 */
export class SimClock extends ManualClock {
  onTime: ((ms: number) => void) | null = null;

  constructor(
    startMs: number,
    private readonly progress: Progress,
  ) {
    super(startMs);
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const slept = super.sleep(ms, signal);
    this.progress.bump();
    return slept;
  }

  override async advanceTo(t: number): Promise<void> {
    await super.advanceTo(t);
    this.onTime?.(this.now());
  }
}

/**
 * The emulator's view of the clock: the same time, but its sleepers (answers held by a "timeout"
 * fault) are counted, so the driver knows when every request in flight is merely held.
 */
export function countingClock(clock: Clock, counter: { held: number }, progress: Progress): Clock {
  return {
    now: () => clock.now(),
    sleep: async (ms, signal) => {
      counter.held += 1;
      try {
        await clock.sleep(ms, signal);
      } finally {
        counter.held -= 1;
        progress.bump();
      }
    },
  };
}
