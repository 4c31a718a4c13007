/** Request reading and answer writing on plain `node:http`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlError } from './errors.js';

const MAX_BODY_BYTES = 2_000_000;

/** The request body as UTF-8 text (at most 2 MB). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ControlError(400, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Last.fm parameters: the query string merged with a form-encoded body (navidrome POSTs with
 * everything in the query and an empty body); the body wins on a clash.
 */
export function mergeParams(url: URL, body: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of url.searchParams) params.set(k, v);
  if (body !== '') for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  return params;
}

/** Writes a whole answer. */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A JSON answer (control API); 204 when `value` is undefined. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  if (value === undefined) {
    if (!res.headersSent && !res.destroyed) res.writeHead(204).end();
    return;
  }
  send(res, status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(value));
}

/** The body parsed as JSON; empty means `{}`; bad JSON is a 400. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ControlError(400, 'body is not valid JSON');
  }
}
