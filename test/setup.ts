/**
 * Test setup: no test may reach the real network. Only loopback addresses are allowed, so the
 * in-process Last.fm emulator and the PostgreSQL server on 127.0.0.1 keep working.
 */
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1', '']);

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | undefined;
  let host: string | undefined;
  if (typeof first === 'object' && first !== null) host = first.path ? undefined : first.host;
  else if (typeof first === 'number' && typeof args[1] === 'string') host = args[1];
  if (host !== undefined && !LOOPBACK.has(host) && !host.startsWith('127.')) {
    throw new Error(`test tried to reach the network: ${host}`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
};
