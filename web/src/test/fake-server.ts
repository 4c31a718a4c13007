/**
 * A stand-in for Lasso's HTTP API inside happy-dom: `fetch` answers from handlers keyed by
 * "METHOD /path" (no query), and every call is recorded with its query and JSON body. A handler
 * returns a body (200) or `reply(status, body)`. Unknown routes answer the contract's 404.
 */
import { vi } from 'vitest';
import type { ErrorBody, ErrorCode } from '../../../contract/index.js';

/** A recorded request. */
export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** An answer with a status. */
export interface Reply {
  status: number;
  body: unknown;
}

/** Answers a call: a body (200) or a `Reply`. */
type Handler = (call: Call) => unknown;

/** An answer with an explicit status (e.g. an error body). */
export function reply(status: number, body: unknown): Reply {
  return { status, body };
}

/** The contract's error answer. */
export function errorReply(status: number, code: ErrorCode, details?: string): Reply {
  const body: ErrorBody = { error: code, code, ...(details ? { details } : {}) };
  return reply(status, body);
}

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}

/** The fake API; `on` sets a handler, `calls` lists what the app asked. */
export class FakeServer {
  readonly calls: Call[] = [];
  private readonly handlers = new Map<string, Handler>();

  /** Answers `route` ("METHOD /path") with `answer`: a handler, or a fixed body or Reply. */
  on(route: string, answer: unknown): this {
    this.handlers.set(route, typeof answer === 'function' ? (answer as Handler) : () => answer);
    return this;
  }

  /** Calls to `route` ("METHOD /path"). */
  callsTo(route: string): Call[] {
    return this.calls.filter((c) => `${c.method} ${c.path}` === route);
  }

  install(): void {
    vi.stubGlobal('fetch', async (input: string | URL, init?: RequestInit) => {
      const url = new URL(input, 'http://localhost');
      const method = (init?.method ?? 'GET').toUpperCase();
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      const call = { method, path: url.pathname, query: url.searchParams, body };
      this.calls.push(call);
      const handler = this.handlers.get(`${method} ${url.pathname}`);
      const result = handler
        ? handler(call)
        : reply(404, { error: 'Not found', code: 'NOT_FOUND' });
      const { status, body: payload } = isReply(result) ? result : { status: 200, body: result };
      return new Response(JSON.stringify(payload), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    });
  }
}
