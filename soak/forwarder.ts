/**
 * A TCP forwarder in front of the emulator, one per Lasso process: Lasso's Last.fm calls go
 * through its own forwarder, which notes the local port of every connection it opens to the
 * emulator. The emulator's call log names each call's client `address:port`, so the port tells
 * which process made the call. Bytes pass untouched; a connection closed or reset on one side
 * is closed on the other (a lost answer stays lost, a killed process's call ends).
 */
import net from 'node:net';
import type { PortLog } from './calls.js';

/** A running forwarder. */
export interface Forwarder {
  port: number;
  /**
   * Calls `fn` with the text of each chunk of request bytes passing through (latin1, at most
   * 4 KB: a request line with its headers, or a form body), before it is forwarded, until `fn`
   * returns true.
   */
  watch(fn: (chunk: string) => boolean): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<new port> to 127.0.0.1:`targetPort`, noting connections as `name`'s. */
export async function startForwarder(
  name: string,
  targetPort: number,
  ports: PortLog,
): Promise<Forwarder> {
  const open = new Set<net.Socket>();
  let watcher: ((line: string) => boolean) | null = null;
  const server = net.createServer((down) => {
    down.on('data', (chunk: Buffer) => {
      if (watcher && watcher(chunk.subarray(0, 4096).toString('latin1'))) watcher = null;
    });
    const up = net.connect({ host: '127.0.0.1', port: targetPort });
    up.on('connect', () => ports.record(up.localPort ?? 0, name, Date.now()));
    for (const s of [down, up]) open.add(s);
    const end = (): void => {
      down.destroy();
      up.destroy();
      open.delete(down);
      open.delete(up);
    };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    watch: (fn) => {
      watcher = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
