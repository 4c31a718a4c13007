/**
 * Helpers for the emulator's own tests: boot an emulator on a ManualClock, call it over a real
 * socket with plain `fetch`, and sign requests with a signer written here from docs/lastfm.md
 * ("Signatures"), on purpose apart from both the emulator's and the client's.
 */
import { createHash } from 'node:crypto';
import { ManualClock } from '../../lib/clock.js';
import { readBody } from '../../test/integration/browser.js';
import type { EmulatorHandle } from '../server.js';
import { startEmulator } from '../server.js';
import type { EmulatorOptions } from '../types.js';

export const KEY = 'b25b959554ed76058ac220b7b2e0a026';
export const SECRET = 'SECRET123';
export const CALLBACK = 'http://app.test/api/auth/callback';
/** 2026-01-05 18:00:00 UTC, in seconds. */
export const T0 = Date.UTC(2026, 0, 5, 18, 0, 0) / 1000;

/**
 * The recipe of docs/lastfm.md, "Signatures", by hand: byte-order sort, no format/callback,
 * name+value, secret, md5.
 */
export function sign(params: Record<string, string>, secret = SECRET): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'format' && k !== 'callback' && k !== 'api_sig')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
  return createHash('md5').update(`${text}${secret}`, 'utf8').digest('hex');
}

/** A booted emulator on a fresh ManualClock at T0, with the test app registered. */
export interface Booted {
  emu: EmulatorHandle;
  clock: ManualClock;
}

/** Starts an emulator for one test: ManualClock, app `KEY`/`SECRET`, no rate limit unless asked. */
export async function boot(opts: EmulatorOptions = {}): Promise<Booted> {
  const clock = new ManualClock(T0 * 1000);
  const emu = await startEmulator({
    clock,
    rateLimit: false,
    apps: [{ api_key: KEY, secret: SECRET, callback_url: CALLBACK, name: 'Lasso test' }],
    ...opts,
  });
  return { emu, clock };
}

/** A parsed answer. */
export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, or undefined when the body is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests probe JSON bodies freely
  json: any;
}

/** Options of `call`. */
export interface CallOptions {
  http?: 'GET' | 'POST';
  /** Add a correct api_sig (default: for POST). */
  signed?: boolean;
  /** Put everything in the query string even for POST (navidrome style). */
  queryOnly?: boolean;
  path?: '/2.0/' | '/2.0';
  /** Send exactly `params`: no `api_key` or `format` added. */
  bare?: boolean;
  signal?: AbortSignal;
}

/** Calls `/2.0/` with `api_key` and `format=json` added unless given. */
export async function call(
  emu: EmulatorHandle,
  params: Record<string, string>,
  opts: CallOptions = {},
): Promise<Reply> {
  const http = opts.http ?? 'GET';
  const p: Record<string, string> = opts.bare
    ? { ...params }
    : { api_key: KEY, format: 'json', ...params };
  if (opts.signed ?? http === 'POST') p.api_sig = sign(p);
  const qs = new URLSearchParams(p).toString();
  const base = `${emu.url}${opts.path ?? '/2.0/'}`;
  const res =
    http === 'GET' || opts.queryOnly
      ? await fetch(`${base}?${qs}`, { method: http, signal: opts.signal ?? null })
      : await fetch(base, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: qs,
          signal: opts.signal ?? null,
        });
  return parse(res);
}

/** Calls a control route. */
export async function control(
  emu: EmulatorHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply> {
  const res = await fetch(`${emu.url}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return parse(res);
}

async function parse(res: Response): Promise<Reply> {
  const { text, json } = await readBody(res);
  return { status: res.status, headers: res.headers, text, json };
}

/** A session key of `user` for the test app, through approve + auth.getSession. */
export async function sessionFor(emu: EmulatorHandle, user: string): Promise<string> {
  const token = emu.approve(KEY, user);
  const r = await call(emu, { method: 'auth.getSession', token }, { signed: true });
  if (r.status !== 200) throw new Error(`getSession failed: ${r.text}`);
  return (r.json as { session: { key: string } }).session.key;
}
