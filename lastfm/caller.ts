/**
 * One Last.fm call end to end: parameters, signature, rate limit, timeout, transport, parsing, and
 * for reads the retries. Secrets (the shared secret, session keys, tokens, `api_sig`) are scrubbed
 * from every error message, whatever produced it.
 */
import type { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import type { Random } from '../lib/random.js';
import { LastfmError } from './errors.js';
import { interpretResponse } from './response.js';
import { readRetryDelayMs, type BackoffPolicy } from './retry.js';
import { signParams } from './signature.js';
import {
  isTransientNetworkError,
  networkErrorCode,
  type HttpRequest,
  type Transport,
} from './transport.js';
import type { RateLimiter } from './types.js';

/** Everything a call needs from the client. */
export interface CallerConfig {
  apiKey: string;
  apiSecret: string;
  apiUrl: string;
  userAgent: string;
  transport: Transport;
  rateLimiter: RateLimiter;
  clock: Clock;
  random: Random;
  timeoutMs: number;
  maxReadRetries: number;
  backoff: BackoffPolicy;
  onCall: ((event: LastfmCallEvent) => void) | undefined;
}

/** One attempt, for metrics and logs. Carries no parameter, so no secret can leak through it. */
export interface LastfmCallEvent {
  method: string;
  /** 0 for the first attempt. */
  attempt: number;
  /** By the injected clock. */
  durationMs: number;
  error: LastfmError | null;
}

/** One Last.fm method call as the client methods describe it. */
export interface CallSpec<T> {
  method: string;
  args: Record<string, string>;
  /** Adds `sk`; the call is then signed. */
  sessionKey?: string;
  /** Signs without a session key too (auth.getSession). Signed calls go as POST. */
  signed: boolean;
  /** Reads are retried on retryable failures; writes and auth.getSession are sent once. */
  retry: boolean;
  userScoped: boolean;
  /** More values to keep out of messages (the auth token). */
  secrets?: string[];
  schema: z.ZodType<T>;
}

const REDACTED = '[redacted]';
const MIN_SECRET_LENGTH = 4;

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH) out = out.split(s).join(REDACTED);
  return out;
}

function scrub(err: LastfmError, secrets: readonly string[]): LastfmError {
  const message = redact(err.message, secrets);
  if (message === err.message) return err;
  return new LastfmError(err.kind, err.code, message, err.httpStatus, err.method);
}

function buildRequest(
  cfg: CallerConfig,
  spec: CallSpec<unknown>,
): { req: Omit<HttpRequest, 'signal'>; secrets: string[] } {
  const params: Record<string, string> = { method: spec.method, api_key: cfg.apiKey, ...spec.args };
  const secrets = [cfg.apiSecret, ...(spec.secrets ?? [])];
  if (spec.sessionKey !== undefined) {
    params.sk = spec.sessionKey;
    secrets.push(spec.sessionKey);
  }
  const signed = spec.signed || spec.sessionKey !== undefined;
  if (signed) {
    const sig = signParams(params, cfg.apiSecret);
    params.api_sig = sig;
    secrets.push(sig);
  }
  params.format = 'json';
  const form = new URLSearchParams(params).toString();
  const headers = { 'user-agent': cfg.userAgent, accept: 'application/json' };
  // Anything carrying a secret goes in a POST body, so it never lands in a URL or an access log.
  if (signed) {
    const postHeaders = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
    return { req: { method: 'POST', url: cfg.apiUrl, headers: postHeaders, body: form }, secrets };
  }
  const sep = cfg.apiUrl.includes('?') ? '&' : '?';
  return { req: { method: 'GET', url: `${cfg.apiUrl}${sep}${form}`, headers }, secrets };
}

function transportFailure(err: unknown, timedOut: boolean, cfg: CallerConfig, method: string) {
  if (timedOut) {
    return new LastfmError(
      'retryable',
      0,
      `${method}: no answer within ${cfg.timeoutMs} ms`,
      null,
      method,
    );
  }
  const code = networkErrorCode(err) ?? 'unknown';
  // The underlying message is not copied: it could quote the request.
  const kind = isTransientNetworkError(err) ? 'retryable' : 'fatal';
  return new LastfmError(kind, 0, `${method}: network failure ${code}`, null, method);
}

/** Sends once, with a real-time timeout (this is real I/O, unlike the back-off waits). */
async function sendOnce<T>(cfg: CallerConfig, spec: CallSpec<T>, signal?: AbortSignal): Promise<T> {
  await cfg.rateLimiter.acquire(signal);
  const { req, secrets } = buildRequest(cfg, spec);
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = (): void => ctl.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new Error('timeout'));
  }, cfg.timeoutMs);
  try {
    let res;
    try {
      res = await cfg.transport({ ...req, signal: ctl.signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw transportFailure(err, timedOut, cfg, spec.method);
    }
    return interpretResponse(res, spec.schema, spec);
  } catch (err) {
    throw err instanceof LastfmError ? scrub(err, secrets) : err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Makes the function that performs calls; reads retry with jittered exponential back-off. */
export function createCaller(cfg: CallerConfig) {
  return async function call<T>(spec: CallSpec<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const started = cfg.clock.now();
      try {
        const value = await sendOnce(cfg, spec, signal);
        cfg.onCall?.({
          method: spec.method,
          attempt,
          durationMs: cfg.clock.now() - started,
          error: null,
        });
        return value;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof LastfmError) {
          const durationMs = cfg.clock.now() - started;
          cfg.onCall?.({ method: spec.method, attempt, durationMs, error: err });
        }
        const delay = spec.retry
          ? readRetryDelayMs(err, attempt, cfg.maxReadRetries, cfg.random, cfg.backoff)
          : null;
        if (delay === null) throw err;
        await cfg.clock.sleep(delay, signal);
        if (signal?.aborted) throw signal.reason;
      }
    }
  };
}

/** The call function `createCaller` returns. */
export type Caller = ReturnType<typeof createCaller>;
