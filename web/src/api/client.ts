/**
 * The one way the web app talks to the server: same-origin JSON with the session cookie. A
 * failed request throws an `ApiError` carrying the contract's stable code (or NETWORK when the
 * server could not be reached), never a message to parse.
 */
import type { ErrorBody, ErrorCode } from '../../../contract/index.js';
import { ERROR_CODES } from '../../../contract/constants.js';

/** A failed API call: the server's error code, or NETWORK. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ErrorCode | 'NETWORK',
    readonly status: number,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }

  /** True when the guest is not (or no longer) signed in. */
  get signedOut(): boolean {
    return this.code === 'AUTH_REQUIRED' || this.code === 'SESSION_EXPIRED';
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        method === 'POST'
          ? { 'content-type': 'application/json', accept: 'application/json' }
          : { accept: 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
    });
  } catch {
    throw new ApiError('NETWORK', 0, 'The server could not be reached');
  }
  const payload: unknown = await response.json().catch(() => null);
  if (response.ok) return payload as T;
  if (isErrorBody(payload)) {
    throw new ApiError(payload.code, response.status, payload.error, payload.details);
  }
  throw new ApiError('INTERNAL_ERROR', response.status, `HTTP ${response.status}`);
}

/** GET `path` as JSON. */
export function apiGet<T>(path: string): Promise<T> {
  return request<T>('GET', path);
}

/** POST `body` as JSON to `path`. */
export function apiPost<T>(path: string, body?: unknown): Promise<T> {
  return request<T>('POST', path, body);
}
