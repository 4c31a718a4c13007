/**
 * Server-sent event streams: writing frames on a hijacked reply, one heartbeat timer for every
 * open stream, and closing them all on shutdown (an open stream would otherwise keep
 * `server.close()` waiting forever).
 *
 * The heartbeat is real I/O (it keeps proxies and load balancers from dropping a quiet
 * connection), so it runs on a real interval, not the injected clock.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { SECOND_MS } from '../../lib/clock.js';

/** Heartbeat comment interval: under the 30–60 s idle timeouts of common proxies. */
export const SSE_HEARTBEAT_MS = 25 * SECOND_MS;

/** What a browser's EventSource waits before reconnecting after the stream ends. */
export const SSE_RETRY_MS = 3 * SECOND_MS;

/** Unsent bytes past which a stream is closed: the client is not reading; it resumes later. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/** One open stream. */
export interface SseStream {
  /** True once closed, by the client, by `close()` or by the hub. */
  readonly closed: boolean;
  /** Writes one event frame (`id`, `event`, one `data` line of JSON). Nothing once closed. */
  send(id: number, event: string, data: unknown): void;
  /** Writes an SSE comment (`: text`), which clients ignore. */
  comment(text: string): void;
  /** Ends the stream. */
  close(): void;
  /** Runs `fn` once when the stream closes, whoever closes it. */
  onClose(fn: () => void): void;
}

/** Options of `createSseHub`. */
export interface SseHubOptions {
  /** Default `SSE_HEARTBEAT_MS`; tests pass a few milliseconds. */
  heartbeatMs?: number;
  /** Default `SSE_MAX_BUFFERED_BYTES`. */
  maxBufferedBytes?: number;
}

/** The open streams of one app. */
export interface SseHub {
  /** Hijacks `reply` and opens a stream on it, with the headers Fastify and helmet set so far. */
  open(reply: FastifyReply): SseStream;
  /** How many streams are open. */
  readonly size: number;
  /** Ends every stream; streams opened afterwards end at once (the app is shutting down). */
  closeAll(): void;
}

/** A hub of event streams with one shared heartbeat timer. */
export function createSseHub(options: SseHubOptions = {}): SseHub {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const maxBuffered = options.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES;
  const streams = new Set<SseStream>();
  let timer: NodeJS.Timeout | undefined;
  let closing = false;

  const beat = (): void => {
    for (const stream of streams) stream.comment('ping');
  };
  const track = (stream: SseStream): void => {
    streams.add(stream);
    if (!timer) {
      timer = setInterval(beat, heartbeatMs);
      timer.unref();
    }
    stream.onClose(() => {
      streams.delete(stream);
      if (streams.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  };

  return {
    open(reply) {
      const stream = openStream(reply, maxBuffered);
      if (closing) stream.close();
      else track(stream);
      return stream;
    },
    get size() {
      return streams.size;
    },
    closeAll() {
      closing = true;
      for (const stream of [...streams]) stream.close();
    },
  };
}

/** The headers of an event stream, keeping those already set (helmet, rate limits, …). */
function streamHeaders(reply: FastifyReply): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  return {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    // Personal data: never stored; and not buffered by nginx-style proxies.
    'cache-control': 'no-cache, no-store',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  };
}

function openStream(reply: FastifyReply, maxBuffered: number): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, streamHeaders(reply));
  let closed = false;
  const listeners: Array<() => void> = [];

  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const fn of listeners.splice(0)) fn();
  };
  const write = (text: string): void => {
    if (closed) return;
    res.write(text);
    // A client that stopped reading would make the buffer grow without end.
    if (res.writableLength > maxBuffered) stream.close();
  };
  res.on('close', finish);

  const stream: SseStream = {
    get closed() {
      return closed;
    },
    send(id, event, data) {
      write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      write(`: ${text}\n\n`);
    },
    close() {
      if (closed) return;
      res.end();
      finish();
    },
    onClose(fn) {
      if (closed) fn();
      else listeners.push(fn);
    },
  };
  // Sends the headers now, and tells EventSource how soon to come back.
  write(`retry: ${SSE_RETRY_MS}\n\n`);
  return stream;
}
