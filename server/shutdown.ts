/**
 * How the process ends after SIGTERM/SIGINT: the orderly close, then the last log lines, then
 * exit — within a hard deadline whatever hangs (a Last.fm call that never answers, a database that
 * is gone, a log reader that stopped reading). Cloud Run kills a container 10 s after SIGTERM;
 * leaving on our own a second earlier says why in the log and exits non-zero.
 */
import { SECOND_MS } from '../lib/clock.js';
import type { Logger } from './logger.js';

/** How long the whole shutdown may take before the process exits anyway, with status 1. */
export const SHUTDOWN_DEADLINE_MS = 9 * SECOND_MS;
/** How long the last log lines may take to reach stdout once everything is closed. */
export const LOG_DRAIN_TIMEOUT_MS = 1 * SECOND_MS;

/** What a shutdown closes, writes to and exits through (the process's own, in `main.ts`). */
export interface ShutdownDeps {
  /** The orderly close (`Lasso.close`). */
  close(): Promise<void>;
  logger: Logger;
  /** Where the log goes; its queued lines are awaited before exiting. */
  output: { drain(): Promise<void> };
  /** Ends the process (`process.exit`). */
  exit(code: number): void;
  /** Writes a line where it is seen even when the log is not (stderr). */
  stderr(text: string): void;
  deadlineMs?: number;
  drainTimeoutMs?: number;
}

/**
 * Closes and exits: 0 once `close()` has finished, 1 when it failed, 1 with a line on stderr when
 * the deadline passes first. The deadline's timer is unref'd: it never keeps the process alive.
 */
export async function shutdown(deps: ShutdownDeps, signal: string): Promise<void> {
  const deadlineMs = deps.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  const deadline = setTimeout(() => {
    deps.stderr(
      `Lasso: shutdown (${signal}) did not finish within ${deadlineMs / SECOND_MS} s; exiting anyway\n`,
    );
    deps.exit(1);
  }, deadlineMs);
  deadline.unref();

  deps.logger.info({ signal }, 'shutting down');
  let code = 0;
  try {
    await deps.close();
    deps.logger.info({}, 'stopped');
  } catch (err) {
    deps.logger.error({ err }, 'shutdown failed');
    code = 1;
  }
  await drainWithin(deps.output, deps.drainTimeoutMs ?? LOG_DRAIN_TIMEOUT_MS);
  clearTimeout(deadline);
  deps.exit(code);
}

/** Waits for the log's queued lines, but no longer than `ms` (a stalled reader must not hold us). */
async function drainWithin(output: ShutdownDeps['output'], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([output.drain(), timeout]);
  clearTimeout(timer);
}
