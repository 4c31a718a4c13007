/**
 * The HTTP security layer: Origin/Referer check on state-changing requests, JSON-only bodies,
 * security headers (helmet) and rate limits on our own API (`rate-limits.ts`).
 */
import type { FastifyHelmetOptions } from '@fastify/helmet';
import helmet from '@fastify/helmet';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Clock } from '../lib/clock.js';
import type { Db } from '../store/db.js';
import { createTokenBuckets } from '../store/api-buckets.js';
import type { TokenBuckets } from '../store/rate-limit.js';
import type { Config } from './config.js';
import { errors } from './errors.js';
import { loopbackOrigin } from './origins.js';
import { DEFAULT_RATE_LIMITS, registerRateLimits, type RateLimits } from './rate-limits.js';

export { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limits.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Last.fm's image CDN (current and older host), for track art in the feed. */
const LASTFM_IMAGE_HOSTS = [
  'https://lastfm.freetls.fastly.net',
  'https://lastfm-img2.akamaized.net',
];

export interface SecurityOptions {
  config: Pick<Config, 'environment' | 'http' | 'lastfm'>;
  rateLimits?: RateLimits;
  /** Where the rate limits' buckets live. Default: `createTokenBuckets` for `db` (below). */
  rateLimitBuckets?: TokenBuckets;
  /** The store: on PostgreSQL the default buckets are shared through it. */
  db?: Db;
  clock: Clock;
  /** Paths (no query) exempt from the origin check, e.g. a webhook. None by default. */
  originExemptPaths?: readonly string[];
  /** Origins accepted besides PUBLIC_URL's (e.g. a dev server). None by default. */
  extraOrigins?: readonly string[];
  /** Origins allowed in the CSP's img-src besides Last.fm's image hosts (the demo's emulator). */
  imageOrigins?: readonly string[];
}

/** The origin of an absolute URL (a CSP source without path). */
function originOfUrl(url: string): string {
  return new URL(url).origin;
}

function originOf(value: string | undefined): string | null {
  if (!value || value === 'null' || !URL.canParse(value)) return null;
  return new URL(value).origin;
}

/**
 * The origin a request claims to come from: Origin, else Referer's origin; null when neither
 * (or Origin is "null", as from sandboxed frames and file: pages).
 */
export function requestOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (origin !== undefined) return originOf(origin);
  return originOf(request.headers.referer);
}

/**
 * Refuses state-changing requests not coming from the app's own origin (403 FORBIDDEN_ORIGIN).
 * Outside production on a loopback PUBLIC_URL, the loopback name the browser addressed counts
 * too (`origins.ts`), when the request comes from a page of that very origin.
 */
export function registerOriginCheck(app: FastifyInstance, options: SecurityOptions): void {
  const allowed = new Set([
    options.config.http.publicOrigin,
    ...(options.extraOrigins ?? []).map((o) => new URL(o).origin),
  ]);
  const addressed = loopbackOrigin(options.config);
  const exempt = new Set(options.originExemptPaths ?? []);
  // A callback hook: reads (most requests) pass without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!STATE_CHANGING.has(request.method) || exempt.has(request.url.split('?')[0] ?? '')) {
      done();
      return;
    }
    const origin = requestOrigin(request);
    const ok = origin !== null && (allowed.has(origin) || origin === addressed(request));
    done(ok ? undefined : errors.forbiddenOrigin());
  });
}

/**
 * Bodies must be JSON: no text/plain parser (the classic cross-site form trick), so anything
 * but application/json is refused with 415. An empty JSON body counts as no body, so a client
 * may send the header on a POST without payload; a route with a body schema still refuses it.
 */
export function registerJsonOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    // Fastify's own parser (callback style), which also refuses __proto__ and constructor keys.
    void parseJson(request, text, done);
  });
}

/**
 * Helmet settings: strict CSP with no inline script or style, no framing, HSTS only in
 * production. `imageOrigins`: more image sources (the demo emulator's generated art).
 */
export function helmetOptions(
  config: SecurityOptions['config'],
  imageOrigins: readonly string[] = [],
): FastifyHelmetOptions {
  const production = config.environment === 'production';
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', ...LASTFM_IMAGE_HOSTS, ...imageOrigins.map(originOfUrl)],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    // The web app's manifest and service worker, both served from this origin.
    'manifest-src': ["'self'"],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'", new URL(config.lastfm.authUrl).origin],
  };
  if (production) directives['upgrade-insecure-requests'] = [];
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives },
    // Track art comes from Last.fm's CDN, which sends no CORP header.
    crossOriginEmbedderPolicy: false,
    // The legacy twin of frame-ancestors 'none', for old browsers.
    frameguard: { action: 'deny' },
    hsts: production ? { maxAge: 365 * 24 * 3600, includeSubDomains: true, preload: false } : false,
    referrerPolicy: { policy: 'same-origin' },
  };
}

/** Response headers a bare Fastify app sends on its own (not helmet's doing). */
const FASTIFY_OWN_HEADERS = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

/**
 * The headers @fastify/helmet sends with `options`, computed once by asking it on a throwaway
 * app. With no CSP nonces they depend on the options alone, yet the plugin rebuilds them on every
 * request (parsing the CSP directives each time): a large share of a small request's CPU.
 */
export async function helmetHeaders(
  options: FastifyHelmetOptions,
): Promise<Record<string, string>> {
  const probe = Fastify();
  try {
    await probe.register(helmet, options);
    probe.get('/', async () => '');
    const res = await probe.inject({ url: '/' });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (typeof value === 'string' && !FASTIFY_OWN_HEADERS.has(name)) headers[name] = value;
    }
    return headers;
  } finally {
    await probe.close();
  }
}

/** Paths outside /api/ that answer JSON or text, never a page: the operations routes. */
const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** True for a request whose answer is never a page: /api/* and the operations routes. */
export function isApiPath(url: string): boolean {
  if (url.startsWith('/api/')) return true;
  const query = url.indexOf('?');
  return OPS_PATHS.has(query === -1 ? url : url.slice(0, query));
}

/**
 * The headers of an answer that is never a page (JSON, an event stream, the invite QR image):
 * the page policies (script, style and image sources, opener, referrer, DNS prefetch) govern
 * only documents, so what is left is what matters for data: no MIME sniffing, no framing, no
 * embedding by other origins, HSTS in production, and a CSP under which such an answer opened
 * as a document can load and run nothing. A third of the bytes of the page set, and each
 * header is checked and written, and parsed by the client, on every request.
 */
export function apiHeaders(pageHeaders: Readonly<Record<string, string>>): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
  const hsts = pageHeaders['strict-transport-security'];
  if (hsts !== undefined) headers['strict-transport-security'] = hsts;
  return headers;
}

/**
 * Sets the security headers on every answer, first of the security hooks so refusals (403, 429)
 * carry them too: helmet's (computed once) on pages and files, the shorter `apiHeaders` on
 * /api/* and the operations routes, with `Cache-Control: no-store` on /api/* (per user, maybe
 * personal: never cached by browsers or proxies).
 */
export async function registerSecurityHeaders(
  app: FastifyInstance,
  config: SecurityOptions['config'],
  imageOrigins: readonly string[] = [],
): Promise<void> {
  const pages = await helmetHeaders(helmetOptions(config, imageOrigins));
  const api = apiHeaders(pages);
  const apiNoStore = { ...api, 'cache-control': 'no-store' };
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    reply.headers(url.startsWith('/api/') ? apiNoStore : isApiPath(url) ? api : pages);
    done();
  });
}

/** Registers the whole security layer on the root instance (cookie support must come first). */
export async function registerSecurity(
  app: FastifyInstance,
  options: SecurityOptions,
): Promise<void> {
  await registerSecurityHeaders(app, options.config, options.imageOrigins);
  registerJsonOnly(app);
  // Rate limits first, so refused cross-origin floods still count against their IP.
  const buckets =
    options.rateLimitBuckets ??
    createTokenBuckets({
      db: options.db,
      clock: options.clock,
      onError: (err) =>
        app.log.warn({ err }, 'rate limits: database failed, limiting per instance'),
    });
  registerRateLimits(app, options.rateLimits ?? DEFAULT_RATE_LIMITS, buckets);
  registerOriginCheck(app, options);
}
