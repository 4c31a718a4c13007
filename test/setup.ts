/**
 * Test setup: no test may reach the real network. Only loopback addresses are allowed, so the
 * in-process Last.fm emulator and the PostgreSQL server on 127.0.0.1 keep working.
 *
 * Vitest runs this before every test file, and in a project without isolation (`unit`) many files
 * share one worker and so one `net` module: the guard is put in place once per worker, not
 * wrapped around itself again by every file.
 */
import net from 'node:net';
import { afterAll, vi } from 'vitest';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1', '']);
/** Marks the guarded `connect`, so a second run of this file sees it is already there. */
const GUARDED = Symbol.for('lasso.test.guardedConnect');

type Connect = typeof net.Socket.prototype.connect & { [GUARDED]?: true };

if (!(net.Socket.prototype.connect as Connect)[GUARDED]) {
  const originalConnect = net.Socket.prototype.connect;
  const guardedConnect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; path?: string } | number | string | undefined;
    let host: string | undefined;
    if (typeof first === 'object' && first !== null) host = first.path ? undefined : first.host;
    else if (typeof first === 'number' && typeof args[1] === 'string') host = args[1];
    if (host !== undefined && !LOOPBACK.has(host) && !host.startsWith('127.')) {
      throw new Error(`test tried to reach the network: ${host}`);
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as Connect;
  guardedConnect[GUARDED] = true;
  net.Socket.prototype.connect = guardedConnect;
}

// Files sharing a worker share its timers too: one that switched to fake timers and did not
// switch back must not leave them to the next file.
afterAll(() => {
  vi.useRealTimers();
});
