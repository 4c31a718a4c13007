import { describe, expect, it } from 'vitest';
import type { StatusView } from '../../engine/engine-api.js';
import { ManualClock } from '../../lib/clock.js';
import { createStatusCache, STATUS_CACHE_TTL_MS } from './status-cache.js';

function view(state: StatusView['state']): StatusView {
  return {
    state,
    followId: null,
    targetUsername: null,
    targetImageUrl: null,
    mirrorNowPlaying: true,
    scrobbleCount: 0,
    counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
    recentScrobbles: [],
    lastPollAt: null,
    nowPlaying: null,
    stopReason: null,
    pauseReason: null,
    heldUntil: null,
    startedAt: null,
    stoppedAt: null,
  };
}

/** A status source whose answer the test sets, counting reads. */
function source(initial: StatusView['state']) {
  const s = { state: initial, reads: 0, read: async () => undefined as unknown as StatusView };
  s.read = async () => {
    s.reads++;
    return view(s.state);
  };
  return s;
}

describe('status cache', () => {
  it('serves a guest’s status from memory for the TTL, then reads it again', async () => {
    const clock = new ManualClock();
    const cache = createStatusCache<StatusView>({ clock });
    const src = source('active');
    await cache.get(1, src.read);
    src.state = 'paused';
    await clock.advance(STATUS_CACHE_TTL_MS - 1);
    expect((await cache.get(1, src.read)).state).toBe('active');
    await clock.advance(1);
    expect((await cache.get(1, src.read)).state).toBe('paused');
    expect(src.reads).toBe(2);
  });

  it('reads once for concurrent requests, and per guest', async () => {
    const cache = createStatusCache<StatusView>({ clock: new ManualClock() });
    const src = source('active');
    await Promise.all([cache.get(1, src.read), cache.get(1, src.read), cache.get(2, src.read)]);
    expect(src.reads).toBe(2);
  });

  it('reads afresh after invalidate, even while an older read is under way', async () => {
    const cache = createStatusCache<StatusView>({ clock: new ManualClock() });
    let release: (v: StatusView) => void = () => undefined;
    const slow = cache.get(1, () => new Promise<StatusView>((r) => (release = r)));
    cache.invalidate(1);
    const after = cache.get(1, async () => view('paused'));
    release(view('active'));
    expect((await slow).state).toBe('active');
    expect((await after).state).toBe('paused');
    expect((await cache.get(1, async () => view('stopped'))).state).toBe('paused');
  });

  it('does not keep a failed read', async () => {
    const cache = createStatusCache<StatusView>({ clock: new ManualClock() });
    await expect(cache.get(1, () => Promise.reject(new Error('db down')))).rejects.toThrow();
    expect((await cache.get(1, async () => view('active'))).state).toBe('active');
  });

  it('keeps at most maxEntries guests', async () => {
    const cache = createStatusCache<StatusView>({ clock: new ManualClock(), maxEntries: 2 });
    const src = source('active');
    for (const id of [1, 2, 3]) await cache.get(id, src.read);
    await cache.get(3, src.read);
    await cache.get(1, src.read);
    // 3 was still cached; 1, the oldest, had been dropped.
    expect(src.reads).toBe(4);
  });

  it('peeks only at a finished read within the TTL, and never past an invalidation', async () => {
    const clock = new ManualClock();
    const cache = createStatusCache<StatusView>({ clock });
    expect(cache.peek(1)).toBeUndefined();
    let release: (v: StatusView) => void = () => undefined;
    const reading = cache.get(1, () => new Promise<StatusView>((r) => (release = r)));
    // Under way: get() would share the read, peek() has nothing to give yet.
    expect(cache.peek(1)).toBeUndefined();
    release(view('active'));
    await reading;
    expect(cache.peek(1)?.state).toBe('active');
    expect(cache.peek(2)).toBeUndefined();
    await clock.advance(STATUS_CACHE_TTL_MS - 1);
    expect(cache.peek(1)?.state).toBe('active');
    await clock.advance(1);
    expect(cache.peek(1)).toBeUndefined();

    await cache.get(1, source('paused').read);
    expect(cache.peek(1)?.state).toBe('paused');
    cache.invalidate(1);
    expect(cache.peek(1)).toBeUndefined();
  });

  it('peeks at nothing after a failed read', async () => {
    const cache = createStatusCache<StatusView>({ clock: new ManualClock() });
    await expect(cache.get(1, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.peek(1)).toBeUndefined();
  });
});
