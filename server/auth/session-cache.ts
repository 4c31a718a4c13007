/**
 * A short-lived, per-instance cache of session lookups: session-id hash → the guest and the
 * session's `last_seen_at`, so a burst of requests from one phone costs one database read.
 *
 * Staleness (docs/server.md, "Per-request cost and caches"): an entry lives `SESSION_CACHE_TTL_MS` (injected
 * clock). What this instance changes (logout, disconnect, sign-in) is dropped from it at once;
 * what another instance changes shows here within the TTL. Routes that make the engine send
 * with the guest's key (start, resume) never trust an entry: they read the database.
 */
import { SECOND_MS } from '../../lib/clock.js';
import type { KeyState } from '../../store/schema.js';

/** How long a looked-up session is trusted without asking the database again. */
export const SESSION_CACHE_TTL_MS = 2 * SECOND_MS;

/** Entries kept at most; past it, expired entries go first, then the oldest. */
export const SESSION_CACHE_MAX_ENTRIES = 10_000;

/** A session as the database had it (or as this instance since touched it). */
export interface SessionEntry {
  accountId: number;
  username: string;
  keyState: KeyState;
  /** ms; `web_sessions.last_seen_at`. */
  lastSeenAt: number;
}

/** The cache. Keys are the base64url SHA-256 of session ids, never the ids themselves. */
export interface SessionCache {
  /** The entry for `key` if cached less than the TTL ago. */
  get(key: string, now: number): SessionEntry | undefined;
  /**
   * Loads `key` with `load` (its result cached when found) unless a load of it is already under
   * way, in which case that one's result is shared: concurrent misses cost one read.
   */
  load(
    key: string,
    now: number,
    load: () => Promise<SessionEntry | undefined>,
  ): Promise<SessionEntry | undefined>;
  /** Forgets one session (signed out, expired, replaced). */
  delete(key: string): void;
  /** Forgets every session of an account (disconnected, signed in again). */
  deleteAccount(accountId: number): void;
  readonly size: number;
}

interface Slot {
  entry: SessionEntry;
  cachedAt: number;
}

/** Options of `createSessionCache`; defaults are the constants above. */
export interface SessionCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
}

/** A session cache in this process's memory. */
export function createSessionCache(options: SessionCacheOptions = {}): SessionCache {
  const ttlMs = options.ttlMs ?? SESSION_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? SESSION_CACHE_MAX_ENTRIES;
  const slots = new Map<string, Slot>();
  const pending = new Map<string, Promise<SessionEntry | undefined>>();
  // Bumped by every delete: a load that started before it must not store what it read.
  let generation = 0;

  const fresh = (slot: Slot, now: number): boolean =>
    now - slot.cachedAt < ttlMs && now >= slot.cachedAt;

  const store = (key: string, entry: SessionEntry, now: number): void => {
    slots.delete(key);
    if (slots.size >= maxEntries) {
      for (const [k, slot] of slots) if (!fresh(slot, now)) slots.delete(k);
      // Still full: drop the oldest (Map keeps insertion order).
      for (const k of slots.keys()) {
        if (slots.size < maxEntries) break;
        slots.delete(k);
      }
    }
    slots.set(key, { entry, cachedAt: now });
  };

  const forget = (key: string): void => {
    generation++;
    slots.delete(key);
    pending.delete(key);
  };

  return {
    get(key, now) {
      const slot = slots.get(key);
      if (slot === undefined) return undefined;
      if (fresh(slot, now)) return slot.entry;
      slots.delete(key);
      return undefined;
    },
    load(key, now, load) {
      const running = pending.get(key);
      if (running !== undefined) return running;
      const startedAt = generation;
      const promise = load().then(
        (entry) => {
          if (pending.get(key) === promise) pending.delete(key);
          if (entry !== undefined && generation === startedAt) store(key, entry, now);
          return entry;
        },
        (err: unknown) => {
          if (pending.get(key) === promise) pending.delete(key);
          throw err;
        },
      );
      pending.set(key, promise);
      return promise;
    },
    delete: forget,
    deleteAccount(accountId) {
      generation++;
      for (const [key, slot] of slots) if (slot.entry.accountId === accountId) slots.delete(key);
      // A load under way may be for this account: let later requests read afresh.
      pending.clear();
    },
    get size() {
      return slots.size;
    },
  };
}
