/**
 * A per-instance micro-cache of each guest's engine status: a phone polling, or several tabs,
 * cost one status read (three queries) per `STATUS_CACHE_TTL_MS` instead of one per request.
 *
 * Freshness (docs/server.md, "Per-request cost and caches"): the guest's own state changes through this
 * instance (start, pause, resume, stop, disconnect, sign-in) drop the entry at once, so their
 * next status shows them; the engine's own changes (a scrobble mirrored, now playing, an
 * automatic stop) and changes made through another instance show within the TTL. The live event
 * stream is not delayed by it.
 */
import { SECOND_MS } from '../../lib/clock.js';
import type { Clock } from '../../lib/clock.js';

/** How long a guest's status is served from memory. */
export const STATUS_CACHE_TTL_MS = SECOND_MS;

/** Guests kept at most; past it, expired entries go first, then the oldest. */
export const STATUS_CACHE_MAX_ENTRIES = 10_000;

/**
 * The cache, of whatever form of the status the route keeps (it keeps the answer's JSON text,
 * serialized through the route's schema once per read).
 */
export interface StatusCache<T = string> {
  /**
   * The guest's status: cached if read less than the TTL ago, else from `read`, which runs once
   * for all the concurrent requests of one guest.
   */
  get(guestId: number, read: () => Promise<T>): Promise<T>;
  /**
   * The guest's status if `get` would answer it from memory right now with a read already
   * finished (same TTL, same invalidations), else undefined: lets a cache hit be answered
   * without waiting on a promise.
   */
  peek(guestId: number): T | undefined;
  /** Drops the guest's status: their next request reads it afresh. */
  invalidate(guestId: number): void;
}

/** Options of `createStatusCache`. */
export interface StatusCacheOptions {
  clock: Clock;
  ttlMs?: number;
  maxEntries?: number;
}

interface Slot<T> {
  /** The read, settled or under way. */
  value: Promise<T>;
  /** When the read started (ms, injected clock). */
  readAt: number;
  /** Whether the read succeeded, and `result` with it. */
  done: boolean;
  result: T | undefined;
}

/** A status cache in this process's memory. */
export function createStatusCache<T = string>(options: StatusCacheOptions): StatusCache<T> {
  const { clock } = options;
  const ttlMs = options.ttlMs ?? STATUS_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? STATUS_CACHE_MAX_ENTRIES;
  const slots = new Map<number, Slot<T>>();

  const fresh = (slot: Slot<T>, now: number): boolean =>
    now - slot.readAt < ttlMs && now >= slot.readAt;

  const makeRoom = (now: number): void => {
    if (slots.size < maxEntries) return;
    for (const [id, slot] of slots) if (!fresh(slot, now)) slots.delete(id);
    for (const id of slots.keys()) {
      if (slots.size < maxEntries) break;
      slots.delete(id);
    }
  };

  return {
    get(guestId, read) {
      const now = clock.now();
      const slot = slots.get(guestId);
      if (slot !== undefined && fresh(slot, now)) return slot.value;
      slots.delete(guestId);
      makeRoom(now);
      const value = read();
      const mine: Slot<T> = { value, readAt: now, done: false, result: undefined };
      slots.set(guestId, mine);
      // A failed read is not served to later requests. (Invalidation replaces the slot, so a
      // read that started before a state change never answers a request made after it.)
      value.then(
        (result) => {
          mine.done = true;
          mine.result = result;
        },
        () => {
          if (slots.get(guestId) === mine) slots.delete(guestId);
        },
      );
      return value;
    },
    peek(guestId) {
      const slot = slots.get(guestId);
      return slot !== undefined && slot.done && fresh(slot, clock.now()) ? slot.result : undefined;
    },
    invalidate(guestId) {
      slots.delete(guestId);
    },
  };
}
