/**
 * The HTTP exchange under the client, as a plain function so unit tests can answer with canned
 * bodies and no socket. The default sends with undici (Node's own fetch engine).
 */
import { request, type Dispatcher } from 'undici';

/** One HTTP request as the client builds it. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Form-urlencoded body of a POST. */
  body?: string;
  /** Aborts on the caller's signal or on the client's timeout. */
  signal: AbortSignal;
}

/** The status and the whole body text, whatever the status. */
export interface HttpResponse {
  status: number;
  body: string;
}

/** Performs one exchange. Network failures reject with the underlying error (it has a `code`). */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** A transport over undici's `request`, optionally through a given dispatcher (agent, pool, mock). */
export function undiciTransport(dispatcher?: Dispatcher): Transport {
  return async (req) => {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: req.signal,
      ...(dispatcher ? { dispatcher } : {}),
    });
    return { status: res.statusCode, body: await res.body.text() };
  };
}

/** Error codes of failures that are a programming or configuration mistake, not a passing fault. */
const NON_TRANSIENT_CODES = new Set([
  'ERR_INVALID_URL',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
]);

/** The `code` of a network error, looking through `cause` as fetch wraps it ("fetch failed"). */
export function networkErrorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Whether a transport failure may pass: refused and reset connections, DNS hiccups, socket and
 * undici timeouts, and unknown I/O errors all are; a malformed URL or argument is not.
 */
export function isTransientNetworkError(err: unknown): boolean {
  const code = networkErrorCode(err);
  return code === null || !NON_TRANSIENT_CODES.has(code);
}
