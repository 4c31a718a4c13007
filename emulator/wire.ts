/**
 * Rendering of `/2.0/` answers as Last.fm does (docs/lastfm.md, "Transport", "Errors"): JSON with
 * `format=json`, JSONP with `callback=`, minimal `<lfm>` XML otherwise; errors as
 * `{"message":…,"error":N}` with their HTTP status.
 */
import type { ApiError } from './errors.js';
import type { Quirks } from './types.js';

/** Headers on every `/2.0/` answer, as seen on a real one (sentriz/gonic#162). */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-max-age': '86400',
};

/** How the caller asked to be answered. */
export interface WireFormat {
  json: boolean;
  /** JSONP function name; only honoured with `format=json`, like the real service. */
  callback: string | null;
}

/** A ready-to-send answer. */
export interface WireReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const CALLBACK_NAME = /^[A-Za-z_$][\w$.]{0,127}$/;

/** The answer format asked for by `format` and `callback`. */
export function formatOf(params: ReadonlyMap<string, string>): WireFormat {
  const json = params.get('format')?.toLowerCase() === 'json';
  const cb = params.get('callback');
  return { json, callback: json && cb !== undefined && CALLBACK_NAME.test(cb) ? cb : null };
}

/** A successful answer whose JSON form is `body` (one top-level key, e.g. `recenttracks`). */
export function renderOk(
  body: Record<string, unknown>,
  fmt: WireFormat,
  quirks: Quirks,
): WireReply {
  if (fmt.json) return jsonReply(200, body, fmt, quirks);
  const inner = Object.entries(body)
    .map(([k, v]) => toXml(k, v))
    .join('');
  return xmlReply(200, `<lfm status="ok">${inner}</lfm>`);
}

/** An error answer, with its HTTP status (or 200 under the `errorsWithHttp200` quirk). */
export function renderError(err: ApiError, fmt: WireFormat, quirks: Quirks): WireReply {
  const status = quirks.errorsWithHttp200 ? 200 : err.status;
  if (fmt.json) {
    const body: Record<string, unknown> = { message: err.message, error: err.code };
    if (quirks.errorLinks) body.links = [];
    return jsonReply(status, body, fmt, quirks);
  }
  return xmlReply(
    status,
    `<lfm status="failed"><error code="${err.code}">${escapeXml(err.message)}</error></lfm>`,
  );
}

function jsonReply(
  status: number,
  body: Record<string, unknown>,
  fmt: WireFormat,
  quirks: Quirks,
): WireReply {
  let text = JSON.stringify(body);
  // A '/' can only occur inside JSON strings, so this is PHP's escaping exactly.
  if (quirks.escapeSlashes) text = text.replaceAll('/', '\\/');
  if (fmt.callback !== null) {
    return {
      status,
      headers: { ...CORS_HEADERS, 'content-type': 'text/javascript; charset=utf-8' },
      body: `${fmt.callback}(${text});`,
    };
  }
  return {
    status,
    headers: { ...CORS_HEADERS, 'content-type': 'application/json; charset=utf-8' },
    body: text,
  };
}

function xmlReply(status: number, lfm: string): WireReply {
  return {
    status,
    headers: { ...CORS_HEADERS, 'content-type': 'text/xml; charset=utf-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${lfm}\n`,
  };
}

/** Escapes text and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function isPrimitive(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * The JSON shape in Last.fm's XML style: `@attr` entries become attributes; an object with a
 * `#text` becomes an element with that text and its other scalar fields as attributes
 * (`{"uts":"1","#text":"…"}` → `<date uts="1">…</date>`); arrays repeat the element.
 */
function toXml(name: string, value: unknown): string {
  if (value === null || value === undefined) return `<${name}/>`;
  if (isPrimitive(value)) return `<${name}>${escapeXml(String(value))}</${name}>`;
  if (Array.isArray(value)) return value.map((v) => toXml(name, v)).join('');
  const obj = value as Record<string, unknown>;
  const attrs: string[] = [];
  const children: string[] = [];
  const hasText = '#text' in obj;
  for (const [k, v] of Object.entries(obj)) {
    if (k === '#text') continue;
    if (k === '@attr' && typeof v === 'object' && v !== null) {
      for (const [ak, av] of Object.entries(v)) attrs.push(`${ak}="${escapeXml(String(av))}"`);
    } else if (hasText && isPrimitive(v)) {
      attrs.push(`${k}="${escapeXml(String(v))}"`);
    } else {
      children.push(toXml(k, v));
    }
  }
  const open = attrs.length > 0 ? `${name} ${attrs.join(' ')}` : name;
  const content = hasText ? escapeXml(String(obj['#text'])) : children.join('');
  return content === '' ? `<${open}/>` : `<${open}>${content}</${name}>`;
}
