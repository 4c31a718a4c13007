import { describe, expect, it } from 'vitest';
import type { SessionEntry } from './session-cache.js';
import { createSessionCache, SESSION_CACHE_TTL_MS } from './session-cache.js';

const entry = (accountId: number): SessionEntry => ({
  accountId,
  username: `guest${accountId}`,
  keyState: 'valid',
  lastSeenAt: 0,
});

describe('session cache', () => {
  it('keeps a loaded session for the TTL only', async () => {
    const cache = createSessionCache();
    await cache.load('a', 1_000, async () => entry(1));
    expect(cache.get('a', 1_000 + SESSION_CACHE_TTL_MS - 1)?.accountId).toBe(1);
    expect(cache.get('a', 1_000 + SESSION_CACHE_TTL_MS)).toBeUndefined();
  });

  it('does not trust an entry when the clock went back', async () => {
    const cache = createSessionCache();
    await cache.load('a', 1_000, async () => entry(1));
    expect(cache.get('a', 999)).toBeUndefined();
  });

  it('shares one load between concurrent misses and caches no unknown session', async () => {
    const cache = createSessionCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return entry(1);
    };
    await Promise.all([cache.load('a', 0, load), cache.load('a', 0, load)]);
    expect(loads).toBe(1);
    await cache.load('b', 0, async () => undefined);
    expect(cache.get('b', 0)).toBeUndefined();
  });

  it('does not store a load that a delete overtook', async () => {
    const cache = createSessionCache();
    let release: (e: SessionEntry) => void = () => undefined;
    const loading = cache.load('a', 0, () => new Promise<SessionEntry>((r) => (release = r)));
    cache.delete('a');
    release(entry(1));
    await loading;
    expect(cache.get('a', 0)).toBeUndefined();
  });

  it('forgets every session of an account at once', async () => {
    const cache = createSessionCache();
    await cache.load('a', 0, async () => entry(1));
    await cache.load('b', 0, async () => entry(1));
    await cache.load('c', 0, async () => entry(2));
    cache.deleteAccount(1);
    expect([cache.get('a', 0), cache.get('b', 0)]).toEqual([undefined, undefined]);
    expect(cache.get('c', 0)?.accountId).toBe(2);
  });

  it('keeps at most maxEntries, dropping expired ones first, then the oldest', async () => {
    const cache = createSessionCache({ maxEntries: 2, ttlMs: 100 });
    await cache.load('old', 0, async () => entry(1));
    await cache.load('a', 50, async () => entry(2));
    await cache.load('b', 120, async () => entry(3));
    expect(cache.size).toBe(2);
    expect(cache.get('a', 120)?.accountId).toBe(2);
    await cache.load('c', 130, async () => entry(4));
    expect(cache.get('a', 130)).toBeUndefined();
    expect(cache.get('c', 130)?.accountId).toBe(4);
  });
});
