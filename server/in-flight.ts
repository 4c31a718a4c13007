/**
 * Counts the route work still running, so shutdown can wait for it before closing the store.
 *
 * `app.close()` waits for open connections, not for work: a request whose client hung up has no
 * connection left, yet its hooks and handler may still be waiting for a database connection.
 * Closing the pool under them fails them ("Cannot use a pool after calling end on the pool").
 * Response-side hooks cannot count such requests (a destroyed socket never emits `finish`), so
 * the route's own functions are counted: its handler and its route-level hooks (where the
 * session lookup runs), until the promise each returns settles.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Clock } from '../lib/clock.js';

/** Route-level hooks that are counted. */
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

/**
 * `fn` counted by `counter` while it runs and, when it returns a promise, until that settles;
 * same `this`, arguments and result. Whether a function is waited on is told by what it returns,
 * not by how it was written (an `async` function, or a plain one returning a promise).
 */
function counted(counter: InFlightCounter, fn: AnyFn): AnyFn {
  return function (this: unknown, ...args: unknown[]) {
    const end = counter.start();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (err) {
      end();
      throw err;
    }
    if (result instanceof Promise) return result.finally(end);
    end();
    return result;
  };
}

const isFunction = (value: unknown): value is AnyFn => typeof value === 'function';

/**
 * Counts, from now on, every route's handler and route-level hooks on `counter`: each while it
 * runs and until the promise it returns settles. Call it before any route is declared.
 * (Callback-style hooks return nothing and are counted only while they run: ours never wait on
 * I/O.)
 */
export function trackInFlight(app: FastifyInstance, counter: InFlightCounter): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler as unknown;
    if (isFunction(handler)) route.handler = counted(counter, handler);
    for (const name of COUNTED_HOOKS) {
      const hooks = route[name] as unknown;
      if (isFunction(hooks)) {
        (route as unknown as Record<string, unknown>)[name] = counted(counter, hooks);
      } else if (Array.isArray(hooks)) {
        (route as unknown as Record<string, unknown>)[name] = hooks.map((h: unknown) =>
          isFunction(h) ? counted(counter, h) : h,
        );
      }
    }
  });
}
