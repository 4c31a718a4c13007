/**
 * JSON-line logs for Cloud Logging: a `severity` it understands, `message` as the text, ISO time,
 * and secrets (cookies, Last.fm session keys, tokens, signatures, SESSION_SECRET) redacted.
 */
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
 * The process logger. `destination` lets tests capture lines (default: stdout). Use
 * `logger.child({ component: 'engine' })` for parts.
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  destination?: DestinationStream,
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
  return destination ? pino(options, destination) : pino(options);
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
