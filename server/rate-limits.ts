/**
 * Rate limits on our own API: token buckets (rate + burst) per client IP, per session and on
 * sign-in, shared through the database on PostgreSQL (`store/api-buckets.ts`) and in memory on
 * PGlite (`store/rate-limit.ts`). Figures and reasons: docs/rate-limits.md.
 */
import { isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BucketLimit, BucketTake, TakeResult, TokenBuckets } from '../store/rate-limit.js';
import { errors } from './errors.js';
import { sessionDigest } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: the route counts against no rate limit (health, metrics, the API document). */
    rateLimit?: false;
  }
}

/**
 * Token buckets on /api/* (figures and reasons: docs/rate-limits.md). A jam is a
 * room of phones behind one public IP, so the IP's bucket is sized for the whole room signing
 * in at once; a single client is held by its session's bucket.
 */
export interface RateLimits {
  perIp: BucketLimit;
  perSession: BucketLimit;
  /** POST /api/auth/init per IP: each sign-in it starts costs a Last.fm call at the callback. */
  signIn: BucketLimit;
}

/** Production limits, shared by every instance on one PostgreSQL database. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  perIp: { perSecond: 20, burst: 1_200 },
  perSession: { perSecond: 2, burst: 40 },
  signIn: { perSecond: 0.5, burst: 100 },
};

/** The sign-in route: its own, stricter bucket per IP. */
const SIGN_IN_ROUTE = '/api/auth/init';
/** The event stream: opened once per page and kept; per session only, never against the IP. */
const EVENT_STREAM_ROUTE = '/api/session/events';

/**
 * The bucket key of a client address. IPv6 by its /64, the block one network (a phone's Wi-Fi,
 * a home) gets and can rotate addresses within; IPv4-mapped IPv6 as the IPv4 address.
 */
export function ipBucketKey(ip: string): string {
  const address = ip.split('%')[0] ?? ip;
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  // An embedded IPv4 tail (…:192.0.2.1) is the last two groups.
  const hex = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a: string, b: string, c: string, d: string) =>
      `${(Number(a) * 256 + Number(b)).toString(16)}:${(Number(c) * 256 + Number(d)).toString(16)}`,
  );
  const [head = '', tail = ''] = hex.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const missing = hex.includes('::') ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g || '0', 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

/**
 * The buckets a request takes a token from, the client's own first (see `TokenBuckets`): on
 * sign-in the IP's sign-in bucket, then the session's if it sends a cookie (random cookies
 * cannot dodge the IP's bucket), then the IP's, except for the event stream.
 */
export function bucketsFor(request: FastifyRequest, limits: RateLimits): BucketTake[] {
  if (!request.url.startsWith('/api/')) return [];
  const route = request.routeOptions;
  if (route.config?.rateLimit === false) return [];
  const ip = ipBucketKey(request.ip);
  const takes: BucketTake[] = [];
  if (route.url === SIGN_IN_ROUTE && request.method === 'POST') {
    takes.push({ key: `signin:${ip}`, limit: limits.signIn });
  }
  const session = sessionDigest(request);
  if (session) takes.push({ key: `sid:${session.key}`, limit: limits.perSession });
  if (!(route.url === EVENT_STREAM_ROUTE && request.method === 'GET')) {
    takes.push({ key: `ip:${ip}`, limit: limits.perIp });
  }
  return takes;
}

function verdict(result: TakeResult): Error | undefined {
  return result.allowed ? undefined : errors.rateLimit(result.retryAfterMs / 1000);
}

/**
 * Rate limits on /api/*: each request takes a token from each of its buckets (`bucketsFor`).
 * Over a limit: 429 RATE_LIMIT with Retry-After. A route opts out with
 * `config: { rateLimit: false }`. In memory (PGlite) the check is synchronous.
 */
export function registerRateLimits(
  app: FastifyInstance,
  limits: RateLimits,
  buckets: TokenBuckets,
): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const takes = bucketsFor(request, limits);
    if (takes.length === 0) {
      done();
      return;
    }
    const result = buckets.take(takes);
    if (result instanceof Promise) {
      result.then(
        (r) => done(verdict(r)),
        (err: unknown) => done(err as Error),
      );
    } else {
      done(verdict(result));
    }
  });
}
