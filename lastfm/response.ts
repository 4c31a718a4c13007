/**
 * Turns an HTTP answer into a typed value or a `LastfmError`. Last.fm signals errors by an `error`
 * key in the body, whatever the HTTP status (it has sent errors with 200), so the body decides
 * first and the status only classifies answers that carry no Last.fm code.
 */
import type { z } from 'zod';
import { classifyLastfmCode, LastfmError, type LastfmErrorKind } from './errors.js';
import { describeIssues, errorBody } from './schemas.js';
import type { HttpResponse } from './transport.js';

/** What the interpretation needs to know about the call. */
export interface ResponseContext {
  /** The Last.fm method, for messages. */
  method: string;
  /** The call named a user, so error 6 means "user not found". */
  userScoped: boolean;
}

const HTTP_BAD_REQUEST = 400;
const HTTP_TOO_MANY_REQUESTS = 429;
const HTTP_SERVER_ERROR = 500;

/** Kind of an answer with no Last.fm code: server trouble and rate limiting pass, the rest does not. */
export function kindOfHttpStatus(status: number): LastfmErrorKind {
  return status >= HTTP_SERVER_ERROR || status === HTTP_TOO_MANY_REQUESTS ? 'retryable' : 'fatal';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errorFromBody(json: Record<string, unknown>, status: number, ctx: ResponseContext): never {
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) {
    const msg = `${ctx.method}: malformed error body (HTTP ${status})`;
    throw new LastfmError(kindOfHttpStatus(status), 0, msg, status, ctx.method);
  }
  const { error: code, message } = parsed.data;
  let kind = classifyLastfmCode(code, status, ctx.userScoped);
  // Error 6 means "bad parameter" unless a user was named and not found: a 404 error 6 on a call
  // naming no user is "track not found", and a 400 is a parameter out of bounds, not a user.
  const badParameter = !ctx.userScoped || status === HTTP_BAD_REQUEST;
  if (kind === 'user_not_found' && badParameter) kind = 'fatal';
  const text = message ? `: ${message}` : '';
  throw new LastfmError(
    kind,
    code,
    `${ctx.method}: Last.fm error ${code}${text} (HTTP ${status})`,
    status,
    ctx.method,
  );
}

/** Parses `res` with `schema`, or throws the `LastfmError` it amounts to. Never throws anything else. */
export function interpretResponse<T>(
  res: HttpResponse,
  schema: z.ZodType<T>,
  ctx: ResponseContext,
): T {
  const { status } = res;
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    // An HTML 502 page from a proxy, an XML body, a truncated answer.
    const msg = `${ctx.method}: HTTP ${status} with a body that is not JSON`;
    throw new LastfmError(kindOfHttpStatus(status), 0, msg, status, ctx.method);
  }
  if (isRecord(json) && 'error' in json) errorFromBody(json, status, ctx);
  if (status < 200 || status >= 300) {
    const msg = `${ctx.method}: HTTP ${status} without a Last.fm error`;
    throw new LastfmError(kindOfHttpStatus(status), 0, msg, status, ctx.method);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const msg = `${ctx.method}: unexpected response shape (${describeIssues(parsed.error)})`;
    throw new LastfmError('fatal', 0, msg, status, ctx.method);
  }
  return parsed.data;
}
