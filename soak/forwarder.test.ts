import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortLog } from './calls.js';
import { startForwarder, type Forwarder } from './forwarder.js';

let close: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of close.reverse()) await c();
  close = [];
});

/** An HTTP server that answers each request with the client port it saw. */
async function echoPort(): Promise<number> {
  const server = createServer((req, res) => res.end(String(req.socket.remotePort)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function forwarder(name: string, target: number, ports: PortLog): Promise<Forwarder> {
  const f = await startForwarder(name, target, ports);
  close.push(() => f.close());
  return f;
}

describe('startForwarder', () => {
  it('passes requests through and tells which forwarder each connection came from', async () => {
    const target = await echoPort();
    const ports = new PortLog();
    const a = await forwarder('A', target, ports);
    const b = await forwarder('B', target, ports);
    for (const [f, name] of [
      [a, 'A'],
      [b, 'B'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${f.port}/2.0/?method=x`, {
        headers: { connection: 'close' },
      });
      const seen = await res.text();
      expect(ports.nameOf(`127.0.0.1:${seen}`, Date.now())).toBe(name);
    }
  });

  it('shows each request chunk, bodies too, to a watcher until it says it has seen enough', async () => {
    const target = await echoPort();
    const f = await forwarder('A', target, new PortLog());
    const seen: string[] = [];
    f.watch((chunk) => {
      seen.push(chunk);
      return chunk.includes('method=stop');
    });
    await (await fetch(`http://127.0.0.1:${f.port}/2.0/?method=go`)).text();
    const body = new URLSearchParams({ method: 'stop', artist: 'Björk' });
    await (await fetch(`http://127.0.0.1:${f.port}/2.0/`, { method: 'POST', body })).text();
    await (await fetch(`http://127.0.0.1:${f.port}/2.0/?method=after`)).text();
    expect(seen[0]).toMatch(/^GET \/2\.0\/\?method=go HTTP\/1\.1\r\n/);
    expect(seen.at(-1)).toContain('method=stop');
    expect(seen.join('')).not.toContain('method=after');
  });
});
