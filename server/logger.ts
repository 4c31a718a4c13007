/**
 * JSON-line logs for Cloud Logging: a `severity` it understands, `message` as the text, ISO time,
 * and secrets (cookies, Last.fm session keys, tokens, signatures, SESSION_SECRET) redacted.
 */
import { write as writeFd } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger } from 'pino';

/** Cloud Logging severities for pino's levels. */
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Field names whose values are secret wherever they appear (top level and two levels down). */
const SECRET_FIELDS = [
  'sessionKey',
  'session_key',
  'sk',
  'token',
  'api_sig',
  'apiSig',
  'password',
  'secret',
  'sessionSecret',
  'session_secret',
  'apiSecret',
  'api_secret',
  'cookie',
  'cookies',
  'authorization',
];

/** The redaction paths; exported so a test can check them against sample objects. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.headers["set-cookie"]',
  'database.url',
  '*.database.url',
];

/** Query parameters that carry secrets (the auth callback's `token` and `state`, Last.fm's `sk`, `api_sig`). */
const SECRET_QUERY = /([?&](?:token|state|sk|api_sig|session_key)=)[^&#]*/gi;

/** Replaces secret query parameter values in a URL with [REDACTED]. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

interface RequestLike {
  method?: string;
  url?: string;
  ip?: string;
  id?: unknown;
  headers?: Record<string, unknown>;
  routeOptions?: { url?: string };
}

/** What a request looks like in a log line: no headers, no cookies, secret query values hidden. */
function serializeRequest(req: RequestLike): Record<string, unknown> {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : redactUrl(req.url),
    route: req.routeOptions?.url,
    remoteAddress: req.ip,
    userAgent: req.headers?.['user-agent'],
  };
}

/** What a reply looks like in a log line: the status only. */
function serializeReply(res: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

/**
 * The process logger. `destination` lets tests capture lines (default: a new `fdOutput()` on
 * stdout). Use `logger.child({ component: 'engine' })` for parts.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  destination: DestinationStream = fdOutput(),
): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label, number) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: number }),
    },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { req: serializeRequest, res: serializeReply, err: pino.stdSerializers.err },
  };
  return pino(options, destination);
}

/** A log destination whose lines can be awaited before the process exits. */
export interface LogOutput extends DestinationStream {
  /**
   * Resolves once every line written so far has reached the file descriptor, or as soon as the
   * descriptor has failed (its lines are then dropped). Never rejects.
   */
  drain(): Promise<void>;
}

/** How many characters may wait for a slow reader; lines beyond it are dropped, not buffered. */
const MAX_QUEUED_CHARS = 16 * 1024 * 1024;
/** How long to wait before writing again to a non-blocking descriptor that was full. */
const BUSY_RETRY_MS = 20;

/**
 * Log lines written asynchronously to a file descriptor (default 1, stdout), with no exit hook.
 *
 * Why not pino's default destination: it registers a process `exit` hook that flushes with
 * synchronous writes and retries every failed write forever, sleeping 100 ms between tries. When
 * stdout's reader is gone (a parent that died, a log shipper that restarted), the lines logged
 * while shutting down are still queued when `process.exit` runs, every retry fails with EPIPE,
 * and the process never exits. Here a write that fails (EPIPE, EBADF, anything but "busy") stops
 * the output for good: queued and later lines are dropped and `onFailure` is told once.
 * `main.ts` awaits `drain()`, bounded, before it exits, so an intact stdout loses nothing.
 */
export function fdOutput(
  fd = 1,
  onFailure: (err: NodeJS.ErrnoException) => void = reportOnStderr,
): LogOutput {
  let queue: string[] = [];
  let queuedChars = 0;
  /** The bytes of the write under way; null when idle. */
  let pending: Buffer | null = null;
  let failed = false;
  let waiters: (() => void)[] = [];

  const settle = (): void => {
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };
  const fail = (err: NodeJS.ErrnoException): void => {
    failed = true;
    queue = [];
    queuedChars = 0;
    pending = null;
    settle();
    onFailure(err);
  };
  const writeNext = (): void => {
    if (pending === null) {
      if (queue.length === 0) return settle();
      pending = Buffer.from(queue.join(''), 'utf8');
      queue = [];
      queuedChars = 0;
    }
    const chunk = pending;
    writeFd(fd, chunk, 0, chunk.length, null, (err, written) => {
      if (err && err.code === 'EAGAIN') {
        // Not a blocking descriptor and its reader is behind: try again shortly.
        setTimeout(writeNext, BUSY_RETRY_MS);
        return;
      }
      if (err) return fail(err);
      pending = written < chunk.length ? chunk.subarray(written) : null;
      writeNext();
    });
  };

  return {
    write(line: string) {
      if (failed || queuedChars + line.length > MAX_QUEUED_CHARS) return;
      queue.push(line);
      queuedChars += line.length;
      if (pending === null) writeNext();
    },
    drain() {
      if (failed || (pending === null && queue.length === 0)) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Says once on stderr that log lines are being dropped (stderr may be gone too: then nothing). */
function reportOnStderr(err: NodeJS.ErrnoException): void {
  const line = `Lasso: writing the log failed (${err.code ?? err.message}); log lines are dropped from now on\n`;
  writeFd(2, line, () => {});
}

/** A destination that keeps every line, for tests: `lines()` parses them. */
export function memoryDestination(): DestinationStream & {
  lines(): Record<string, unknown>[];
  text(): string;
} {
  const chunks: string[] = [];
  return {
    write(chunk: string) {
      chunks.push(chunk);
    },
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]];

/** Whether `logger` writes lines at `level` (pino's rule: at or above its own level). */
export function levelEnabled(logger: FastifyBaseLogger, level: LogLevel): boolean {
  const threshold = pino.levels.values[logger.level];
  return threshold !== undefined && (pino.levels.values[level] ?? 0) >= threshold;
}

/**
 * A request's logger that becomes a real pino child only when something is logged at an enabled
 * level. Fastify makes a child per request for its `reqId` binding, and pino serializes (and,
 * with our wildcard redaction paths, redacts) the bindings at once: a cost every request paid
 * although almost none of them logs anything.
 */
class LazyChildLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: pino.Bindings,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings));
  }

  get level(): string {
    return (this.real ?? this.parent).level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  private write(level: LogLevel, args: LogArgs): void {
    if (!levelEnabled(this.real ?? this.parent, level)) return;
    this.logger[level](...args);
  }

  fatal(...args: LogArgs): void {
    this.write('fatal', args);
  }
  error(...args: LogArgs): void {
    this.write('error', args);
  }
  warn(...args: LogArgs): void {
    this.write('warn', args);
  }
  info(...args: LogArgs): void {
    this.write('info', args);
  }
  debug(...args: LogArgs): void {
    this.write('debug', args);
  }
  trace(...args: LogArgs): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`: request loggers made lazily (see `LazyChildLogger`). A route
 * with its own log level or serializers gets a real child at once.
 */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  if (Object.keys(options).length > 0) return logger.child(bindings, options);
  return new LazyChildLogger(logger, bindings);
}
