import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineConfig } from './config.js';
import { at, scrobble, uts, win } from './test-factories.js';
import type { EngineScrobble, WindowRow } from './types.js';
import {
  dedupeScrobbles,
  inAnyWindow,
  inWindow,
  planPollInserts,
  pollRange,
  scrobbleKey,
  selectForFollow,
  validTimestamp,
  windowRelevant,
} from './windows.js';

const cfg = engineConfig();

describe('inWindow', () => {
  const w = win(at(0), at(30));

  it('includes a scrobble that started exactly when the window opened', () => {
    expect(inWindow(uts(at(0)), w)).toBe(true);
  });

  it('excludes a track that started before the guest joined, even in the same second', () => {
    const joinedMidSecond = win(new Date(at(0).getTime() + 400), null);
    expect(inWindow(uts(at(0)), joinedMidSecond)).toBe(false);
    expect(inWindow(uts(at(0)) - 1, w)).toBe(false);
  });

  it('includes a track that started just before the window closed', () => {
    expect(inWindow(uts(at(30)) - 1, w)).toBe(true);
  });

  it('excludes a track that started when or after the window closed', () => {
    expect(inWindow(uts(at(30)), w)).toBe(false);
    expect(inWindow(uts(at(31)), w)).toBe(false);
  });

  it('treats a window with no close as open-ended', () => {
    expect(inWindow(uts(at(60 * 24)), win(at(0)))).toBe(true);
  });

  it('finds a scrobble in any of several windows and not in the gaps', () => {
    const ws = [win(at(0), at(10)), win(at(20), at(30))];
    expect(inAnyWindow(uts(at(5)), ws)).toBe(true);
    expect(inAnyWindow(uts(at(25)), ws)).toBe(true);
    expect(inAnyWindow(uts(at(15)), ws)).toBe(false);
    expect(inAnyWindow(uts(at(5)), [])).toBe(false);
  });
});

describe('dedupeScrobbles', () => {
  it('keeps the first of scrobbles with the same timestamp, artist and track', () => {
    const a = scrobble('Jóga', 100, { album: 'first' });
    const b = scrobble('Jóga', 100, { album: 'second' });
    expect(dedupeScrobbles([a, b])).toEqual([a]);
  });

  it('keeps real repeats: the same track at different times', () => {
    const list = [scrobble('Jóga', 100), scrobble('Jóga', 400)];
    expect(dedupeScrobbles(list)).toEqual(list);
  });

  it('tells tracks apart by exact name, so the outbox key and the dedupe agree', () => {
    const list = [scrobble('Jóga', 100), scrobble('JÓGA', 100), scrobble('Joga', 100)];
    expect(dedupeScrobbles(list)).toHaveLength(3);
    expect(new Set(list.map(scrobbleKey)).size).toBe(3);
  });
});

describe('selectForFollow', () => {
  const windows = [win(at(0), at(10)), win(at(20))];

  it('returns only in-window scrobbles, oldest first', () => {
    const list = [
      scrobble('late', uts(at(25))),
      scrobble('before', uts(at(-3))),
      scrobble('gap', uts(at(15))),
      scrobble('first', uts(at(2))),
    ];
    expect(selectForFollow(list, windows).map((s) => s.track)).toEqual(['first', 'late']);
  });

  it('mirrors a late host scrobble whose timestamp is inside a closed window', () => {
    // Started at 9:30 while the guest listened; Last.fm shows it at 13:00, after the pause.
    const straddler = scrobble('straddler', uts(at(9, 30)));
    expect(selectForFollow([straddler], windows)).toEqual([straddler]);
  });

  it('mirrors every real repeat and drops duplicates from overlapping pages', () => {
    const one = scrobble('Hoppípolla', uts(at(1)), { artist: 'Sigur Rós' });
    const again = scrobble('Hoppípolla', uts(at(5)), { artist: 'Sigur Rós' });
    expect(selectForFollow([again, one, one, again], windows)).toEqual([one, again]);
  });

  it('keeps Unicode names untouched', () => {
    const names = ['Jóga', 'Hoppípolla', '夜に駆ける', 'Ёлка', '🎵 emoji'];
    const list = names.map((n, i) => scrobble(n, uts(at(1)) + i, { artist: n }));
    expect(selectForFollow(list, windows).map((s) => s.track)).toEqual(names);
  });

  it('drops entries without a usable timestamp', () => {
    const list = [
      scrobble('zero', 0),
      scrobble('nan', Number.NaN),
      scrobble('frac', uts(at(1)) + 0.5),
    ];
    expect(selectForFollow(list, [win(new Date(0))])).toEqual([]);
    expect(validTimestamp(1)).toBe(true);
  });

  it('returns nothing with no windows', () => {
    expect(selectForFollow([scrobble('x', uts(at(1)))], [])).toEqual([]);
  });

  const arbWindows = fc.array(
    fc
      .tuple(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.option(fc.integer({ min: 0, max: 5_000_000 })),
      )
      .map(([open, len]): WindowRow =>
        win(new Date(open), len === null ? null : new Date(open + len)),
      ),
    { maxLength: 4 },
  );
  const arbScrobbles = fc.array(
    fc.record({
      artist: fc.constantFrom('A', 'B', 'Björk'),
      track: fc.constantFrom('x', 'y', 'Jóga'),
      album: fc.constant(''),
      timestamp: fc.integer({ min: 1, max: 16_000 }),
    }),
    { maxLength: 40 },
  );

  it('never returns a scrobble outside the windows, nor one twice', () => {
    fc.assert(
      fc.property(arbScrobbles, arbWindows, (list: EngineScrobble[], ws) => {
        const out = selectForFollow(list, ws);
        expect(out.every((s) => inAnyWindow(s.timestamp, ws))).toBe(true);
        expect(new Set(out.map(scrobbleKey)).size).toBe(out.length);
      }),
    );
  });

  it('is idempotent and misses no in-window scrobble', () => {
    fc.assert(
      fc.property(arbScrobbles, arbWindows, (list: EngineScrobble[], ws) => {
        const once = selectForFollow(list, ws);
        expect(selectForFollow(once, ws)).toEqual(once);
        const wanted = new Set(list.filter((s) => inAnyWindow(s.timestamp, ws)).map(scrobbleKey));
        expect(new Set(once.map(scrobbleKey))).toEqual(wanted);
        expect(once.every((s, i) => i === 0 || once[i - 1]!.timestamp <= s.timestamp)).toBe(true);
      }),
    );
  });
});

describe('planPollInserts', () => {
  it('selects per follow and leaves out follows with nothing to insert', () => {
    const list = [scrobble('a', uts(at(1))), scrobble('b', uts(at(12)))];
    const plan = planPollInserts(list, [
      { follow_id: 1, windows: [win(at(0), at(10))] },
      { follow_id: 2, windows: [win(at(11))] },
      { follow_id: 3, windows: [win(at(20))] },
    ]);
    expect(plan).toEqual([
      { follow_id: 1, scrobbles: [list[0]] },
      { follow_id: 2, scrobbles: [list[1]] },
    ]);
  });
});

describe('pollRange', () => {
  it('starts one second before the window on a host never polled', () => {
    expect(pollRange({ newest_seen_uts: null }, [win(at(0))], at(1), cfg)).toEqual({
      from: uts(at(0)) - 1,
    });
  });

  it('starts a little before the newest seen scrobble once past the window start', () => {
    const newest = uts(at(120));
    const range = pollRange({ newest_seen_uts: newest }, [win(at(0))], at(125), cfg);
    expect(range).toEqual({ from: newest - cfg.pollOverlapSec });
  });

  it('never starts before the oldest relevant window', () => {
    const range = pollRange(
      { newest_seen_uts: uts(at(-600)) },
      [win(at(0)), win(at(5))],
      at(6),
      cfg,
    );
    expect(range).toEqual({ from: uts(at(0)) - 1 });
  });

  it('keeps covering a window closed within the grace period', () => {
    const closed = win(at(0), at(10));
    expect(pollRange({ newest_seen_uts: null }, [closed], at(20), cfg)).toEqual({
      from: uts(at(0)) - 1,
    });
    expect(windowRelevant(closed, at(24, 59), cfg)).toBe(true);
  });

  it('needs no poll once every window closed longer ago than the grace period', () => {
    expect(pollRange({ newest_seen_uts: null }, [win(at(0), at(10))], at(25), cfg)).toBeNull();
    expect(pollRange({ newest_seen_uts: null }, [], at(0), cfg)).toBeNull();
  });
});
