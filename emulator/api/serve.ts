/**
 * One `/2.0/` request from socket to answer: parameters, the per-IP rate limit, injected faults,
 * optional latency, the call itself, the call log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from '../calls.js';
import { ApiError, apiErrors, ControlError } from '../errors.js';
import type { FaultInjector } from '../faults.js';
import { mergeParams, readBody, send } from '../http.js';
import type { IpRateLimiter } from '../rate-limit.js';
import type { CallLogEntry, FaultCode } from '../types.js';
import type { WireFormat, WireReply } from '../wire.js';
import { CORS_HEADERS, formatOf, renderError, renderOk } from '../wire.js';
import type { ApiContext } from './context.js';
import { canonicalMethod, executeCall } from './dispatch.js';

/** Everything a `/2.0/` request may touch. */
export interface ApiEnv extends ApiContext {
  calls: CallLog;
  faults: FaultInjector;
  limiter: IpRateLimiter | null;
  latencyMs: number;
  faultTimeoutMs: number;
  /** Aborts when the emulator closes: held and delayed answers give up. */
  closing: AbortSignal;
  /** Where internal errors are told (`EmulatorOptions.log`). */
  log?: (line: string) => void;
}

/** Serves a `/2.0/` or `/2.0` request (GET or POST). */
export async function serveApi(
  env: ApiEnv,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const httpMethod = req.method ?? 'GET';
  // Read before the body: a body that fails to read detaches the socket from the request.
  const { remoteAddress, remotePort } = req.socket;
  // A body we cannot read is still a call: it is answered and logged below like any other.
  let body = '';
  let unreadable: unknown = null;
  if (httpMethod === 'POST') {
    try {
      body = await readBody(req);
    } catch (e) {
      unreadable = e;
    }
  }
  const params = mergeParams(url, body);
  const fmt = formatOf(params);
  const method = canonicalMethod(params.get('method'));
  const entry: CallLogEntry = {
    seq: 0,
    at: env.clock.now(),
    method,
    user: params.get('user') || env.auth.sessionUser(params.get('sk')),
    api_key: params.get('api_key') ?? null,
    status: 0,
    client: remoteAddress === undefined ? null : `${remoteAddress}:${remotePort ?? 0}`,
    answered_at: null,
  };
  const answer = (reply: WireReply): void => {
    entry.status = reply.status;
    entry.answered_at = env.clock.now();
    env.calls.record(entry);
    send(res, reply.status, reply.headers, reply.body);
  };
  if (unreadable !== null) return answer(unreadableBody(env, unreadable));
  if (env.limiter && !env.limiter.take(remoteAddress ?? 'unknown')) {
    return answer(renderError(apiErrors.rateLimit(), fmt, env.quirks));
  }
  const fault = env.faults.draw(method);
  if (fault !== null) {
    entry.fault = fault;
    return injectFault(env, fault, { entry, res, fmt, answer }, () =>
      run(env, params, httpMethod, fmt),
    );
  }
  if (env.latencyMs > 0) await env.clock.sleep(env.latencyMs, env.closing);
  answer(run(env, params, httpMethod, fmt));
}

function run(
  env: ApiEnv,
  params: ReadonlyMap<string, string>,
  httpMethod: string,
  fmt: WireFormat,
): WireReply {
  try {
    return renderOk(executeCall(env, params, httpMethod), fmt, env.quirks);
  } catch (e) {
    if (e instanceof ApiError) return renderError(e, fmt, env.quirks);
    // A bug of ours: answer as Last.fm does when its backend fails (error 8, HTTP 500), so the
    // client sees a well-formed answer and the call log keeps the call.
    env.log?.(`emulator: ${params.get('method') ?? '(no method)'} failed: ${String(e)}`);
    return renderError(apiErrors.operationFailed(), fmt, env.quirks);
  }
}

/** The answer to a POST whose body could not be read (too large, or the client went away). */
function unreadableBody(env: ApiEnv, e: unknown): WireReply {
  const headers = { ...CORS_HEADERS, 'content-type': 'text/plain; charset=utf-8' };
  if (e instanceof ControlError) return { status: e.status, headers, body: e.message };
  env.log?.(`emulator: reading a /2.0/ body failed: ${String(e)}`);
  return { status: 400, headers, body: 'request body could not be read' };
}

const FAULT_ERRORS = {
  8: apiErrors.operationFailed,
  11: apiErrors.offline,
  16: apiErrors.temporary,
  29: apiErrors.rateLimit,
} as const;

const STATUS_TEXT: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The request being answered. */
interface Exchange {
  entry: CallLogEntry;
  res: ServerResponse;
  fmt: WireFormat;
  answer: (reply: WireReply) => void;
}

async function injectFault(
  env: ApiEnv,
  fault: FaultCode,
  { entry, res, fmt, answer }: Exchange,
  apply: () => WireReply,
): Promise<void> {
  if (fault === 'drop') {
    // The call is applied (a write is recorded) and then the answer is lost on the way back.
    apply();
    entry.answered_at = env.clock.now();
    env.calls.record(entry);
    res.destroy();
    return;
  }
  if (fault === 'timeout') {
    // Nothing is applied; the answer never comes. Hold until the client gives up (its socket
    // closes), the emulator closes, or `faultTimeoutMs` passes on the emulator's clock.
    env.calls.record(entry);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    await env.clock.sleep(env.faultTimeoutMs, AbortSignal.any([gone.signal, env.closing]));
    entry.answered_at = env.clock.now();
    res.destroy();
    return;
  }
  if (fault === 8 || fault === 11 || fault === 16 || fault === 29) {
    return answer(renderError(FAULT_ERRORS[fault](), fmt, env.quirks));
  }
  // A bare gateway error page, as a proxy in front of Last.fm would send: not Last.fm's JSON.
  const text = `${fault} ${STATUS_TEXT[fault] ?? 'Error'}`;
  answer({
    status: fault,
    headers: { ...CORS_HEADERS, 'content-type': 'text/html; charset=utf-8' },
    body: `<html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`,
  });
}
