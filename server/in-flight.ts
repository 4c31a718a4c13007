/**
 * Counts the route work still running, so shutdown can wait for it before closing the store.
 *
 * `app.close()` waits for open connections, not for work: a request whose client hung up has no
 * connection left, yet its hooks and handler may still be waiting for a database connection.
 * Closing the pool under them fails them ("Cannot use a pool after calling end on the pool").
 * Response-side hooks cannot count such requests (a destroyed socket never emits `finish`), so
 * the route's own async functions are counted: its handler and its async route-level hooks
 * (where the session lookup runs).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Clock } from '../lib/clock.js';

/** Route-level hooks whose async functions are counted. */
const COUNTED_HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'] as const;

/** Work in flight and a way to wait for it. */
export interface InFlight {
  /** Route functions running now. */
  readonly count: number;
  /**
   * Resolves true once nothing runs, or false after `timeoutMs` (on `clock`) with work still
   * running.
   */
  drained(clock: Clock, timeoutMs: number): Promise<boolean>;
}

/** A counter that `trackInFlight` installs on an app. */
export interface InFlightCounter extends InFlight {
  /** Counts one piece of work started; call the returned function once when it ends. */
  start(): () => void;
}

/** A new counter. */
export function createInFlight(): InFlightCounter {
  let count = 0;
  const idle: Array<() => void> = [];
  const end = (): void => {
    count--;
    if (count === 0) for (const wake of idle.splice(0)) wake();
  };
  return {
    get count() {
      return count;
    },
    start() {
      count++;
      return end;
    },
    async drained(clock, timeoutMs) {
      if (count === 0) return true;
      const timeout = new AbortController();
      const done = new Promise<true>((resolve) => idle.push(() => resolve(true)));
      const result = await Promise.race([
        done,
        clock.sleep(timeoutMs, timeout.signal).then(() => false as const),
      ]);
      timeout.abort();
      return result;
    },
  };
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

function isAsync(fn: unknown): fn is AnyFn {
  return typeof fn === 'function' && fn.constructor.name === 'AsyncFunction';
}

/**
 * `fn` (async) counted by `counter` until its promise settles, with the same `this`, arguments
 * and result. (One `finally` per call: this runs on every request.)
 */
function counted(counter: InFlightCounter, fn: AnyFn): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const end = counter.start();
    try {
      return (fn.apply(this, args) as Promise<unknown>).finally(end);
    } catch (err) {
      end();
      throw err;
    }
  };
}

/**
 * Counts, from now on, every route's handler and async route-level hooks on `counter`. Call it
 * before any route is declared. (Callback-style hooks are left alone: ours never wait on I/O.)
 */
export function trackInFlight(app: FastifyInstance, counter: InFlightCounter): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler as unknown;
    if (isAsync(handler)) route.handler = counted(counter, handler);
    for (const name of COUNTED_HOOKS) {
      const hooks = route[name] as unknown;
      if (isAsync(hooks)) {
        (route as unknown as Record<string, unknown>)[name] = counted(counter, hooks);
      } else if (Array.isArray(hooks)) {
        (route as unknown as Record<string, unknown>)[name] = hooks.map((h: unknown) =>
          isAsync(h) ? counted(counter, h) : h,
        );
      }
    }
  });
}
