/**
 * The server's own background (its loops, the open streams, no requests) and waiting for it to
 * come back to that. A load run that ends abandons the requests in flight, and a server that
 * fell behind keeps working them off after its clients left: the next measurement starts only
 * once that backlog is gone, so it is not charged for the previous one.
 */
import type { LoopDelay, ServerChild } from './child.js';

/** CPU and event-loop delay of the server over a stretch with no requests. */
export interface Background {
  cores: number;
  loopDelay: LoopDelay;
}

/** How long one look at the server's CPU lasts while waiting for quiet. */
const QUIET_WINDOW_MS = 500;
/** CPU above the background that still counts as quiet (timers, GC, noise). */
const QUIET_MARGIN_CORES = 0.15;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server's CPU (cores) and loop delay over `ms` in which nobody asks it anything. */
export async function background(server: ServerChild, ms: number): Promise<Background> {
  const before = await server.sample();
  const startedAt = performance.now();
  await sleep(ms);
  const after = await server.sample();
  const wallMicros = (performance.now() - startedAt) * 1000;
  return { cores: (after.cpuMicros - before.cpuMicros) / wallMicros, loopDelay: after.loopDelay };
}

/**
 * Waits until the server's CPU over half a second is within a margin of `baselineCores`, or
 * `maxMs` passed. Returns how long it waited.
 */
export async function waitUntilQuiet(
  server: ServerChild,
  baselineCores: number,
  maxMs: number,
): Promise<number> {
  const startedAt = performance.now();
  while (performance.now() - startedAt < maxMs) {
    const { cores } = await background(server, QUIET_WINDOW_MS);
    if (cores <= baselineCores + QUIET_MARGIN_CORES) break;
  }
  return performance.now() - startedAt;
}
