/**
 * Which origins count as Lasso's own. In production: exactly PUBLIC_URL's. In development and
 * demo mode on a loopback PUBLIC_URL, a browser may open the app as `localhost`, `127.0.0.1` or
 * `[::1]` (a link, a habit, a QR scanned on the same machine): those are three different sites to
 * the browser, so cookies set under one never reach another. There, the name the browser used
 * (with PUBLIC_URL's port) is the app's origin for that request too.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from './config.js';

/** The names of this machine a browser may use, as they appear in a URL. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;

/**
 * The loopback origins that stand for PUBLIC_URL (itself included): every loopback name with
 * PUBLIC_URL's scheme and port, outside production when PUBLIC_URL is a loopback name; else none.
 */
export function loopbackAliases(config: Pick<Config, 'environment' | 'http'>): ReadonlySet<string> {
  const url = new URL(config.http.publicUrl);
  const loopback = (LOOPBACK_NAMES as readonly string[]).includes(url.hostname);
  if (config.environment === 'production' || !loopback) return new Set();
  return new Set(
    LOOPBACK_NAMES.map((name) => {
      const alias = new URL(url);
      alias.hostname = name;
      return alias.origin;
    }),
  );
}

/**
 * For `config`, a function giving the origin a request's browser addressed (PUBLIC_URL's scheme,
 * the request's Host) when it is one of `loopbackAliases`; else null (always null in production).
 * The Host header is the browser's own: a page cannot set it for another site.
 */
export function loopbackOrigin(
  config: Pick<Config, 'environment' | 'http'>,
): (request: FastifyRequest) => string | null {
  const aliases = loopbackAliases(config);
  const { protocol } = new URL(config.http.publicUrl);
  return (request) => {
    const host = request.headers.host;
    if (aliases.size === 0 || host === undefined || !URL.canParse(`${protocol}//${host}`)) {
      return null;
    }
    const origin = new URL(`${protocol}//${host}`).origin;
    return aliases.has(origin) ? origin : null;
  };
}

/** `url` moved onto `origin` (scheme, name and port), path and query kept. */
export function onOrigin(url: string, origin: string): string {
  const moved = new URL(url);
  const target = new URL(origin);
  moved.protocol = target.protocol;
  moved.host = target.host;
  return moved.toString();
}
