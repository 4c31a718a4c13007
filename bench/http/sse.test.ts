import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openStreams } from './sse.js';

/** A stand-in events route: 401 without a cookie, else a stream that sends a ping at once. */
async function streamServer() {
  const open: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (!req.headers.cookie) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': ping\n\n');
    open.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    open,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 100));

describe('openStreams', () => {
  let server: Awaited<ReturnType<typeof streamServer>>;
  afterEach(async () => server.close());

  it('counts a stream the server ends after it opened as dropped, and no longer open', async () => {
    server = await streamServer();
    const streams = await openStreams(server.origin, ['sid=a', 'sid=b'], 3);
    expect(streams.figures()).toMatchObject({ requested: 3, opened: 3, open: 3, dropped: 0 });
    server.open[1]?.end();
    await settle();
    expect(streams.figures()).toMatchObject({ opened: 3, open: 2, dropped: 1, errors: 1 });
    expect(streams.figures().errorSamples).toEqual(['closed by the server']);
    streams.close();
  });

  it('counts a refused stream as an error that never opened, not as dropped', async () => {
    server = await streamServer();
    const streams = await openStreams(server.origin, [''], 2);
    expect(streams.figures()).toMatchObject({ opened: 0, open: 0, dropped: 0, errors: 2 });
    expect(streams.figures().errorSamples).toEqual(['HTTP 401', 'HTTP 401']);
  });

  it('does not count the streams it closes itself', async () => {
    server = await streamServer();
    const streams = await openStreams(server.origin, ['sid=a'], 2);
    streams.close();
    await settle();
    expect(streams.figures()).toMatchObject({ dropped: 0, errors: 0 });
  });
});
