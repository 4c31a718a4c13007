/**
 * Drives a ManualClock shared by the client and the emulator while a request is in flight: the
 * client's back-off and the emulator's rate-limit refill only move when the clock does, but the
 * request itself is real socket I/O that needs real turns of the event loop.
 */
import { SECOND_MS, flushEventLoop, type ManualClock } from '../../lib/clock.js';

/** Options of `driveUntilSettled`. */
export interface DriveOptions {
  /** How far to move the clock each time somebody sleeps on it. Default 1 s. */
  stepMs?: number;
  /** Give up (reject) after moving the clock this far in total. Default 1 hour. */
  maxAdvanceMs?: number;
}

const IO_WAIT_MS = 2;

/** Waits a little real time so socket callbacks can run; not a clock reading. */
function ioTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, IO_WAIT_MS));
}

/**
 * Resolves or rejects like `promise`. Until it settles: while anybody sleeps on `clock`, moves it
 * forward by `stepMs` (waking sleepers in order); while nobody does, the work is real I/O, so it
 * yields to the event loop instead. Rejects when the clock was moved more than `maxAdvanceMs`.
 */
export async function driveUntilSettled<T>(
  clock: ManualClock,
  promise: Promise<T>,
  opts: DriveOptions = {},
): Promise<T> {
  const stepMs = opts.stepMs ?? SECOND_MS;
  const maxAdvanceMs = opts.maxAdvanceMs ?? 60 * 60 * SECOND_MS;
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  // The caller awaits `watched` below; this only stops an unhandled-rejection report meanwhile.
  watched.catch(() => undefined);
  let advanced = 0;
  await flushEventLoop();
  while (!settled) {
    if (clock.pending > 0) {
      if (advanced >= maxAdvanceMs) {
        throw new Error(`driveUntilSettled: still pending after ${advanced} ms of clock time`);
      }
      await clock.advance(stepMs);
      advanced += stepMs;
    } else {
      await ioTurn();
    }
  }
  return watched;
}
