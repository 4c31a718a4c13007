/**
 * One `/2.0/` request from socket to answer: parameters, the per-IP rate limit, injected faults,
 * optional latency, the call itself, the call log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallLog } from '../calls.js';
import { ApiError, apiErrors } from '../errors.js';
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
}

/** Serves a `/2.0/` or `/2.0` request (GET or POST). */
export async function serveApi(
  env: ApiEnv,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const httpMethod = req.method ?? 'GET';
  const params = mergeParams(url, httpMethod === 'POST' ? await readBody(req) : '');
  const fmt = formatOf(params);
  const method = canonicalMethod(params.get('method'));
  const entry: CallLogEntry = {
    at: env.clock.now(),
    method,
    user: params.get('user') || env.auth.sessionUser(params.get('sk')),
    api_key: params.get('api_key') ?? null,
    status: 0,
  };
  const answer = (reply: WireReply): void => {
    entry.status = reply.status;
    env.calls.record(entry);
    send(res, reply.status, reply.headers, reply.body);
  };
  if (env.limiter && !env.limiter.take(req.socket.remoteAddress ?? 'unknown')) {
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
    throw e;
  }
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
