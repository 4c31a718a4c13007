/**
 * Typed HTTP errors with stable codes, the mapping of Last.fm failures onto them, and the one
 * error handler that turns anything thrown into `{error, details?, code}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { ErrorBody, ErrorCode } from '../contract/index.js';
import { EngineError } from '../engine/engine-api.js';
import { LastfmError } from '../lastfm/errors.js';
import type { Logger } from './logger.js';

/** An error meant for the client: a stable `code`, an HTTP `status`, a message and maybe details. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details?: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body sent to the client. */
  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, details: this.details, code: this.code };
  }
}

/** One factory per error code. `details` is shown to the user: never put secrets or stacks in it. */
export const errors = {
  authRequired: () => new AppError('AUTH_REQUIRED', 401, 'Sign in with Last.fm first'),
  sessionExpired: (details?: string) =>
    new AppError('SESSION_EXPIRED', 401, 'Your session has expired; sign in again', details),
  invalidRequest: (details?: string, status = 400) =>
    new AppError('INVALID_REQUEST', status, 'The request is not valid', details),
  targetNotFound: (username?: string) =>
    new AppError(
      'TARGET_NOT_FOUND',
      404,
      'No Last.fm user by that name',
      username === undefined ? undefined : `Last.fm has no user "${username}"`,
    ),
  targetPrivate: () =>
    new AppError('TARGET_PRIVATE', 403, "This user's listening is private on Last.fm"),
  targetIsSelf: () => new AppError('TARGET_IS_SELF', 400, 'You cannot follow yourself'),
  /** Our own API's limit (429) or Last.fm's (503: the client is not at fault). */
  rateLimit: (retryAfterSeconds: number, status = 429) =>
    new AppError('RATE_LIMIT', status, 'Too many requests; try again shortly', undefined, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  lastfm: (details?: string) =>
    new AppError('LASTFM_ERROR', 502, 'Last.fm did not answer as expected; try again', details),
  invalidState: (details?: string) =>
    new AppError('INVALID_STATE', 409, 'That is not possible in the current state', details),
  forbiddenOrigin: () =>
    new AppError('FORBIDDEN_ORIGIN', 403, 'This request must come from the Lasso app itself'),
  notFound: () => new AppError('NOT_FOUND', 404, 'Not found'),
  internal: () => new AppError('INTERNAL_ERROR', 500, 'Something went wrong on our side'),
};

/** How long a client should wait after Last.fm rate-limited us (its window averages 5 minutes). */
const LASTFM_RETRY_AFTER_S = 60;

/**
 * A Last.fm failure as the client should see it:
 * - user_not_found → 404 TARGET_NOT_FOUND; private → 403 TARGET_PRIVATE;
 * - auth_revoked → 401 SESSION_EXPIRED (the guest must sign in again to get a new key);
 * - rate limited (29 / HTTP 429) → 503 RATE_LIMIT with Retry-After: the same code the UI knows
 *   for "slow down", but a 5xx status because the limit is Last.fm's, shared by every user;
 * - anything else (transient or not) → 502 LASTFM_ERROR.
 * The Last.fm message is not passed on (it may echo parameters); the log has it.
 */
export function fromLastfmError(err: LastfmError, target?: string): AppError {
  switch (err.kind) {
    case 'user_not_found':
      return errors.targetNotFound(target);
    case 'private':
      return errors.targetPrivate();
    case 'auth_revoked':
      return errors.sessionExpired('Last.fm access was revoked; sign in again');
    case 'retryable':
      return err.rateLimited
        ? errors.rateLimit(LASTFM_RETRY_AFTER_S, 503)
        : errors.lastfm('Last.fm is having trouble; try again in a moment');
    case 'fatal':
      return errors.lastfm();
  }
}

/**
 * An engine refusal as the client should see it: each `EngineErrorCode` is the API code of the
 * same name. The engine's `details` are passed on only where they describe the request
 * (INVALID_STATE, INVALID_REQUEST); RATE_LIMIT means Last.fm is limiting Lasso, so it is a 503
 * with Retry-After like Last.fm's own error 29.
 */
export function fromEngineError(err: EngineError, target?: string): AppError {
  switch (err.code) {
    case 'INVALID_STATE':
      return errors.invalidState(err.details);
    case 'INVALID_REQUEST':
      return errors.invalidRequest(err.details);
    case 'TARGET_NOT_FOUND':
      return errors.targetNotFound(target);
    case 'TARGET_PRIVATE':
      return errors.targetPrivate();
    case 'TARGET_IS_SELF':
      return errors.targetIsSelf();
    case 'RATE_LIMIT':
      return errors.rateLimit(LASTFM_RETRY_AFTER_S, 503);
    case 'LASTFM_ERROR':
      return errors.lastfm();
    case 'AUTH_REQUIRED':
      return errors.authRequired();
  }
}

/** A readable list of what failed validation, e.g. `body.target_username: enter a Last.fm username`. */
function validationDetails(err: FastifyError): string {
  const where = err.validationContext ?? 'request';
  const items = (err.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    return `${where}${path ? '.' + path : ''}: ${v.message ?? 'is invalid'}`;
  });
  return items.length > 0 ? items.join('; ') : err.message;
}

/**
 * Parses client input outside a route schema (e.g. a query read by hand); on failure throws
 * 400 INVALID_REQUEST with the same readable details as schema validation. A raw ZodError
 * thrown elsewhere is a bug (e.g. a bad database row) and stays a 500.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where = 'request',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${where}${path ? '.' + path : ''}: ${issue.message}`;
  });
  throw errors.invalidRequest(details.join('; '));
}

/**
 * Turns anything thrown into an `AppError` (Last.fm and engine errors mapped); unknown errors
 * become 500 INTERNAL_ERROR.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof LastfmError) return fromLastfmError(err);
  if (err instanceof EngineError) return fromEngineError(err);
  if (hasZodFastifySchemaValidationErrors(err))
    return errors.invalidRequest(validationDetails(err));
  const fe = err as Partial<FastifyError> | null;
  if (fe && Array.isArray(fe.validation))
    return errors.invalidRequest(validationDetails(fe as FastifyError));
  // Fastify's own client errors (bad JSON, 415, 413, …) have safe messages and a 4xx status.
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500 && typeof fe?.code === 'string' && fe.code.startsWith('FST_')) {
    return errors.invalidRequest(fe.message, status);
  }
  return errors.internal();
}

/** Sends `err` as the JSON error body, with its status and headers. */
export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  return reply.code(err.status).headers(err.headers).send(err.toBody());
}

/**
 * Installs the error handler (every error → `{error, details?, code}`; 5xx details only in the
 * log) and a JSON 404 for unknown routes. `fallback` answers GET and HEAD of unknown paths outside
 * /api (the web app's pages); every other unknown request gets the JSON 404.
 */
export function registerErrorHandler(
  app: FastifyInstance,
  logger: Logger,
  fallback?: (request: FastifyRequest, reply: FastifyReply) => unknown,
): void {
  app.setErrorHandler((err: unknown, request, reply) => {
    const appError = toAppError(err);
    const log = request.log ?? logger;
    if (appError.status >= 500) {
      log.error({ err, code: appError.code }, 'request failed');
    } else {
      log.info({ code: appError.code, status: appError.status }, appError.message);
    }
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const page = request.method === 'GET' || request.method === 'HEAD';
    if (fallback && page && !path.startsWith('/api/') && path !== '/api') {
      return fallback(request, reply);
    }
    return sendError(reply, errors.notFound());
  });
}
