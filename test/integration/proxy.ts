/**
 * A recording pass-through between the client and the emulator: it keeps the headers and the
 * parameters of every request exactly as they crossed the socket (the emulator's call log keeps
 * neither), then forwards the request and relays the answer unchanged.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  userAgent: string | undefined;
  /** Query string and form body merged, as Last.fm reads them. */
  params: URLSearchParams;
}

/** A running proxy. */
export interface RecordingProxy {
  /** Point the client's `apiUrl` here. */
  apiUrl: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a proxy in front of `targetBase` (e.g. the emulator's `url`). */
export async function startRecordingProxy(targetBase: string): Promise<RecordingProxy> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      const params = new URLSearchParams(url.search);
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
      const method = req.method ?? 'GET';
      seen.push({ method, userAgent: req.headers['user-agent'], params });
      const headers: Record<string, string> = {};
      const type = req.headers['content-type'];
      if (type) headers['content-type'] = type;
      fetch(`${targetBase}${url.pathname}${url.search}`, {
        method,
        headers,
        body: method === 'POST' ? body : null,
      })
        .then(async (answer) => {
          const text = await answer.text();
          const contentType = answer.headers.get('content-type') ?? 'text/plain';
          res.writeHead(answer.status, { 'content-type': contentType }).end(text);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/2.0/`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
