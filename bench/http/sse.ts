/**
 * Many open `GET /api/session/events` streams, as many browsers' EventSource would hold them:
 * plain `node:http` requests, one socket each (`agent: false`; Node's fetch lingers after an
 * abort). Each stream counts as open once its first bytes arrived; anything that ends it before
 * `close()` — a refused request, a socket error, the server closing — is an error.
 */
import http from 'node:http';

/** Streams opened at once while opening: the server authenticates and subscribes each one. */
const OPEN_BATCH = 100;
/** How long one stream may take to send its first bytes. */
const OPEN_TIMEOUT_MS = 15_000;

/** What happened to the streams so far. */
export interface SseFigures {
  requested: number;
  /** Streams that got a 200 and their first bytes. */
  opened: number;
  /** Streams open right now. */
  open: number;
  /** Streams that were open and then ended (the server closed them, or a socket error). */
  dropped: number;
  /** Refused, failed, timed out while opening, or ended by the server: each stream counts once. */
  errors: number;
  /** Streams that received at least one `event:` frame (engine events pushed live). */
  withEvents: number;
  /** First error messages, for the report. */
  errorSamples: string[];
}

/** A set of open streams. */
export interface SseStreams {
  figures(): SseFigures;
  /** Ends every stream from the client side (not counted as errors). */
  close(): void;
}

interface Stream {
  opened: boolean;
  failed: boolean;
  ended: boolean;
  /** Failed after it was open: ended by anything but `close()`. */
  dropped: boolean;
  sawEvent: boolean;
  req: http.ClientRequest;
}

/** Opens `count` streams to `origin`, spreading `cookies` over them; resolves when all settled. */
export async function openStreams(
  origin: string,
  cookies: readonly string[],
  count: number,
): Promise<SseStreams> {
  const streams: Stream[] = [];
  const errorSamples: string[] = [];
  let closing = false;
  const fail = (s: Stream, why: string): void => {
    if (closing || s.failed) return;
    s.failed = true;
    if (s.opened) s.dropped = true;
    if (errorSamples.length < 5) errorSamples.push(why);
  };
  for (let start = 0; start < count; start += OPEN_BATCH) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + OPEN_BATCH); i++) {
      batch.push(openOne(origin, cookies[i % cookies.length] ?? '', fail, (s) => streams.push(s)));
    }
    await Promise.all(batch);
  }
  return {
    figures: () => ({
      requested: count,
      opened: streams.filter((s) => s.opened).length,
      open: streams.filter((s) => s.opened && !s.ended).length,
      dropped: streams.filter((s) => s.dropped).length,
      errors: streams.filter((s) => s.failed).length,
      withEvents: streams.filter((s) => s.sawEvent).length,
      errorSamples: [...errorSamples],
    }),
    close() {
      closing = true;
      for (const s of streams) s.req.destroy();
    },
  };
}

function openOne(
  origin: string,
  cookie: string,
  fail: (s: Stream, why: string) => void,
  track: (s: Stream) => void,
): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(`${origin}/api/session/events`, {
      agent: false,
      headers: { cookie, accept: 'text/event-stream' },
    });
    const s: Stream = {
      opened: false,
      failed: false,
      ended: false,
      dropped: false,
      sawEvent: false,
      req,
    };
    track(s);
    const timer = setTimeout(() => {
      fail(s, 'no first bytes in time');
      resolve();
    }, OPEN_TIMEOUT_MS);
    const settle = (): void => {
      clearTimeout(timer);
      resolve();
    };
    req.on('error', (err) => {
      s.ended = true;
      fail(s, `socket: ${err.message}`);
      settle();
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        fail(s, `HTTP ${res.statusCode}`);
        res.resume();
        settle();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!s.opened) {
          s.opened = true;
          settle();
        }
        if (chunk.includes('event:')) s.sawEvent = true;
      });
      res.on('close', () => {
        s.ended = true;
        fail(s, 'closed by the server');
        settle();
      });
    });
  });
}
