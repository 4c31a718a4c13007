/**
 * Properties over the socket: whatever batch of scrobbles the client sends (1–50 items, any
 * Unicode names, timestamps within the last 14 days) lands in the emulated library exactly once
 * and reads back equal, both through the control API and through the client's own paging.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScrobbleInput } from '../../lastfm/types.js';
import type { ScrobbleRow } from '../../emulator/types.js';
import { T0, guardErrorMessages, startRig, type Rig } from './harness.js';

guardErrorMessages();

const DAY_S = 24 * 60 * 60;
/** Last.fm ignores a scrobble 14 days old or older, so the oldest allowed is one second younger. */
const OLDEST = T0 - 14 * DAY_S + 1;
const NUM_RUNS = 40;

/** A printable name: any Unicode graphemes, not blank, no control characters. */
const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .filter((s) => s.trim() !== '' && !/\p{Cc}/u.test(s));

const item: fc.Arbitrary<ScrobbleInput> = fc.record(
  {
    artist: name,
    track: name,
    album: name,
    timestamp: fc.integer({ min: OLDEST, max: T0 }),
  },
  { requiredKeys: ['artist', 'track', 'timestamp'] },
);

/** 1–50 items, distinct on (timestamp, artist, track): Last.fm's identity of a scrobble. */
const batch = fc.uniqueArray(item, {
  minLength: 1,
  maxLength: 50,
  // fast-check's default size rarely goes past a dozen items; full batches matter here.
  size: 'medium',
  selector: (s) => `${s.timestamp}\u0000${s.artist}\u0000${s.track}`,
});

/** What the library should hold for `items`, in one canonical order. */
function expectedRows(items: ScrobbleInput[]): ScrobbleRow[] {
  return sorted(
    items.map((s) => ({
      artist: s.artist,
      track: s.track,
      album: s.album ?? '',
      timestamp: s.timestamp,
    })),
  );
}

function sorted(rows: ScrobbleRow[]): ScrobbleRow[] {
  const key = (r: ScrobbleRow): string => JSON.stringify([r.timestamp, r.artist, r.track]);
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function isNewestFirst(timestamps: number[]): boolean {
  return timestamps.every((t, i) => i === 0 || (timestamps[i - 1] ?? t) >= t);
}

describe('a batch of scrobbles sent by the client', () => {
  let rig: Rig;
  let runs = 0;

  beforeAll(async () => {
    // One emulator for the whole property; each run scrobbles as a fresh user.
    rig = await startRig();
  });

  afterAll(async () => {
    await rig.close();
  });

  it('is accepted item by item, lands exactly once and reads back equal', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        const user = `prop_${++runs}`;
        const sk = await rig.sessionFor(user);
        const client = rig.client();

        const result = await client.scrobble(sk, items);
        expect(result).toMatchObject({ accepted: items.length, ignored: 0 });
        expect(result.items.map((r) => [r.accepted, r.artist, r.track, r.timestamp])).toEqual(
          items.map((s) => [true, s.artist, s.track, s.timestamp]),
        );

        const want = expectedRows(items);
        const library = rig.emu.scrobbles(user);
        expect(isNewestFirst(library.map((r) => r.timestamp))).toBe(true);
        expect(sorted(library)).toEqual(want);

        const read = await client.getRecentTracks({ user, allPages: true });
        expect(isNewestFirst(read.scrobbles.map((s) => s.timestamp))).toBe(true);
        const readRows = read.scrobbles.map(({ artist, track, album, timestamp }) => ({
          artist,
          track,
          album,
          timestamp,
        }));
        expect(sorted(readRows)).toEqual(want);
        expect(read.nowPlaying).toBeNull();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('sent twice still lands once: duplicates are answered as accepted and not recorded again', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        const user = `dup_${++runs}`;
        const sk = await rig.sessionFor(user);
        const client = rig.client();
        await client.scrobble(sk, items);
        const again = await client.scrobble(sk, items);
        expect(again).toMatchObject({ accepted: items.length, ignored: 0 });
        expect(sorted(rig.emu.scrobbles(user))).toEqual(expectedRows(items));
      }),
      { numRuns: 20 },
    );
  });
});
