import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineConfig } from '../config.js';
import { at, scrobble, uts, win } from '../test-support/factories.js';
import type { EngineScrobble, WindowLead, WindowRow } from '../types.js';
import {
  dedupeScrobbles,
  inAnyWindow,
  inSpan,
  leadSettledAt,
  scrobbleAfterMs,
  windowPollEnd,
  type LeadMatch,
  inWindow,
  lastLookOwed,
  leadMatch,
  openingLead,
  planPollInserts,
  pollRange,
  scrobbleKey,
  selectForFollow,
  validTimestamp,
  windowRelevant,
} from './windows.js';

const cfg = engineConfig();

describe('inSpan', () => {
  const w = win(at(0), at(30));

  it('includes a scrobble that started exactly when the window opened', () => {
    expect(inSpan(uts(at(0)), w)).toBe(true);
  });

  it('excludes a track that started before the guest joined, even in the same second', () => {
    const joinedMidSecond = win(new Date(at(0).getTime() + 400), null);
    expect(inSpan(uts(at(0)), joinedMidSecond)).toBe(false);
    expect(inSpan(uts(at(0)) - 1, w)).toBe(false);
  });

  it('includes a track that started just before the window closed', () => {
    expect(inSpan(uts(at(30)) - 1, w)).toBe(true);
  });

  it('excludes a track that started when or after the window closed', () => {
    expect(inSpan(uts(at(30)), w)).toBe(false);
    expect(inSpan(uts(at(31)), w)).toBe(false);
  });

  it('treats a window with no close as open-ended', () => {
    expect(inSpan(uts(at(60 * 24)), win(at(0)))).toBe(true);
  });

  it('finds a scrobble in any of several windows and not in the gaps', () => {
    const ws = [win(at(0), at(10)), win(at(20), at(30))];
    expect(inAnyWindow(scrobble('a', uts(at(5))), ws)).toBe(true);
    expect(inAnyWindow(scrobble('b', uts(at(25))), ws)).toBe(true);
    expect(inAnyWindow(scrobble('c', uts(at(15))), ws)).toBe(false);
    expect(inAnyWindow(scrobble('d', uts(at(5))), [])).toBe(false);
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
    expect(selectForFollow(list, windows).scrobbles.map((s) => s.track)).toEqual(['first', 'late']);
  });

  it('mirrors a late host scrobble whose timestamp is inside a closed window', () => {
    // Started at 9:30 while the guest listened; Last.fm shows it at 13:00, after the pause.
    const straddler = scrobble('straddler', uts(at(9, 30)));
    expect(selectForFollow([straddler], windows).scrobbles).toEqual([straddler]);
  });

  it('mirrors every real repeat and drops duplicates from overlapping pages', () => {
    const one = scrobble('Hoppípolla', uts(at(1)), { artist: 'Sigur Rós' });
    const again = scrobble('Hoppípolla', uts(at(5)), { artist: 'Sigur Rós' });
    expect(selectForFollow([again, one, one, again], windows).scrobbles).toEqual([one, again]);
  });

  it('keeps Unicode names untouched', () => {
    const names = ['Jóga', 'Hoppípolla', '夜に駆ける', 'Ёлка', '🎵 emoji'];
    const list = names.map((n, i) => scrobble(n, uts(at(1)) + i, { artist: n }));
    expect(selectForFollow(list, windows).scrobbles.map((s) => s.track)).toEqual(names);
  });

  it('drops entries without a usable timestamp', () => {
    const list = [
      scrobble('zero', 0),
      scrobble('nan', Number.NaN),
      scrobble('frac', uts(at(1)) + 0.5),
    ];
    expect(selectForFollow(list, [win(new Date(0))]).scrobbles).toEqual([]);
    expect(validTimestamp(1)).toBe(true);
  });

  it('returns nothing with no windows', () => {
    expect(selectForFollow([scrobble('x', uts(at(1)))], [])).toEqual({
      scrobbles: [],
      leads: [],
    });
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
        const out = selectForFollow(list, ws).scrobbles;
        expect(out.every((s) => inAnyWindow(s, ws))).toBe(true);
        expect(new Set(out.map(scrobbleKey)).size).toBe(out.length);
      }),
    );
  });

  it('is idempotent and misses no in-window scrobble', () => {
    fc.assert(
      fc.property(arbScrobbles, arbWindows, (list: EngineScrobble[], ws) => {
        const once = selectForFollow(list, ws).scrobbles;
        expect(selectForFollow(once, ws).scrobbles).toEqual(once);
        const wanted = new Set(list.filter((s) => inAnyWindow(s, ws)).map(scrobbleKey));
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
      { follow_id: 1, scrobbles: [list[0]], leads: [] },
      { follow_id: 2, scrobbles: [list[1]], leads: [] },
    ]);
  });
});

/** A host row as `pollRange` reads it: newest seen scrobble, last poll and whether it failed. */
const seen = (newest: number | null, lastPolledAt: Date | null = null, failures = 0) => ({
  newest_seen_uts: newest,
  last_polled_at: lastPolledAt,
  poll_failures: failures,
});

describe('pollRange', () => {
  it('starts one second before the window on a host never polled', () => {
    expect(pollRange(seen(null), [win(at(0))], at(1), cfg)).toEqual({
      from: uts(at(0)) - 1,
    });
  });

  it('starts a little before the newest seen scrobble once past the window start', () => {
    const newest = uts(at(120));
    const range = pollRange(seen(newest, at(124)), [win(at(0))], at(125), cfg);
    expect(range).toEqual({ from: newest - cfg.pollOverlapSec });
  });

  it('never starts before the oldest relevant window', () => {
    const range = pollRange(seen(uts(at(-600)), at(5)), [win(at(0)), win(at(5))], at(6), cfg);
    expect(range).toEqual({ from: uts(at(0)) - 1 });
  });

  it('keeps covering a window closed within the grace period', () => {
    const closed = win(at(0), at(10));
    expect(pollRange(seen(null, at(19)), [closed], at(20), cfg)).toEqual({
      from: uts(at(0)) - 1,
    });
    expect(windowRelevant(closed, at(24, 59), cfg, at(24))).toBe(true);
  });

  it('needs no poll once every window closed longer ago than the grace period and its last look succeeded', () => {
    expect(pollRange(seen(null, at(24, 59)), [win(at(0), at(10))], at(25), cfg)).toBeNull();
    expect(pollRange(seen(null), [], at(0), cfg)).toBeNull();
  });

  it('keeps covering the window while the grace period’s last look has not succeeded', () => {
    const closed = win(at(0), at(10));
    const from = { from: uts(at(0)) - 1 };
    // The last look failed, the process died in it (the last good read is older), or it ran late.
    expect(pollRange(seen(null, at(24, 59), 1), [closed], at(25), cfg)).toEqual(from);
    expect(pollRange(seen(null, at(20)), [closed], at(25), cfg)).toEqual(from);
    expect(pollRange(seen(null), [closed], at(60), cfg)).toEqual(from);
    expect(lastLookOwed(at(25).getTime(), at(24, 59), at(26), cfg)).toBe(false);
    expect(lastLookOwed(at(25).getTime(), at(24, 58), at(26), cfg)).toBe(true);
    // For `lastLookRetryMs` past the end, no longer.
    const giveUp = new Date(at(25).getTime() + cfg.lastLookRetryMs);
    expect(pollRange(seen(null, null, 40), [closed], giveUp, cfg)).toBeNull();
  });
});

describe('window leads', () => {
  const X = { artist: 'Björk', track: 'Jóga' };
  const W = at(0, 30.4);
  const lead = (
    after: number,
    matched: number | null = null,
    durationMs: number | null = null,
  ) => ({
    ...X,
    after_uts: after,
    duration_ms: durationMs,
    uts: matched,
  });
  const leadWin = (l: WindowLead, closed: Date | null = null): WindowRow => ({
    ...win(W, closed),
    lead: l,
  });

  it('takes the newest bound: read, newest seen, duration; an hour back when nothing bounds it', () => {
    const read = { nowPlaying: X, scrobbles: [{ timestamp: uts(at(-5)) }] };
    expect(openingLead({ nowPlaying: null, scrobbles: [] }, W, null, 200_000)).toBeNull();
    expect(openingLead(read, W, uts(at(-7)), null)).toEqual(lead(uts(at(-5))));
    expect(openingLead(read, W, uts(at(-3)), undefined)).toEqual(lead(uts(at(-3))));
    // W is 18:00:30.4; a 200.2 s track ending before W started at or before 17:57:10.2.
    expect(openingLead(read, W, null, 200_200)).toEqual(lead(uts(at(-3, 10)), null, 200_200));
    expect(openingLead({ nowPlaying: X, scrobbles: [] }, W, null, null)).toEqual(
      lead(uts(at(-60, 30))),
    );
  });

  it('matches the newest scrobble after the bound and before W, only if it is the lead track', () => {
    // 10 minutes long: a scrobbled play lasted at least 4, so each X here surely was on at W.
    const w = leadWin(lead(uts(at(-5)), null, 600_000));
    const x = scrobble('Jóga', uts(at(-2)));
    expect(leadMatch([x], w)).toEqual(x);
    expect(leadMatch([scrobble('Jóga', uts(at(-5)))], w)).toBeNull();
    expect(leadMatch([scrobble('Jóga', uts(at(0, 31)))], w)).toBeNull();
    // A play starting exactly at the opening is the one on then (and in the span too).
    const exact = leadWin(lead(uts(at(-5)), null, 600_000));
    exact.opened_at = at(0, 30);
    const atOpening = scrobble('Jóga', uts(at(0, 30)));
    expect(leadMatch([x, atOpening], exact)).toEqual(atOpening);
    expect(leadMatch([scrobble('JÓGA', uts(at(-2)))], w)).toBeNull();
    // The host moved on after that X: it was not playing at W.
    expect(leadMatch([x, scrobble('Other', uts(at(-1)))], w)).toBeNull();
    const matched = leadWin(lead(uts(at(-5)), uts(at(-3)), 600_000));
    expect(leadMatch([x], matched)).toBeNull();
    expect(inWindow(scrobble('Jóga', uts(at(-3))), matched)).toBe(true);
    expect(inWindow(x, w)).toBe(false);
  });

  it('takes only a play that surely was on at W, and keeps looking for one until the lead settled', () => {
    // 300 s of Jóga: a scrobbled play lasted at least 150 s.
    const w = leadWin(lead(uts(at(-10)), null, 300_000));
    const recent = scrobble('Jóga', uts(W) - 149);
    const older = scrobble('Jóga', uts(W) - 151);
    expect(leadMatch([recent], w)).toEqual(recent);
    // Maybe skipped after 150 s and played again before W: never taken, however long it waits
    // (the replay may have been skipped before its own scrobble point: no scrobble was heard).
    expect(leadMatch([older], w)).toBeNull();
    expect(leadSettledAt(w, cfg)).toEqual(new Date(W.getTime() + 300_000 + cfg.graceMs));
    // The replay's scrobble landed: it surely was on at W, and it is the one.
    expect(leadMatch([older, recent], w)).toEqual(recent);
  });

  it('polls a closed window until its lead settled, and reads back to it a grace period more', () => {
    const after = uts(at(-5));
    const closed = leadWin(lead(after, null, 300_000), at(1));
    const settled = W.getTime() + 300_000 + cfg.graceMs;
    expect(windowPollEnd(closed, cfg)).toBe(settled + 1000);
    expect(windowRelevant(closed, new Date(settled), cfg, new Date(settled - 1000))).toBe(true);
    expect(pollRange(seen(null, at(16)), [closed], at(17), cfg)).toEqual({ from: after });
    // Past its settling (its last look made), a poll made anyway still reads back to it for a
    // grace period.
    const later = new Date(settled + cfg.graceMs - 1);
    const looked = new Date(settled);
    expect(windowRelevant(closed, later, cfg, looked)).toBe(false);
    expect(pollRange(seen(null, looked), [closed], later, cfg)).toEqual({ from: after });
    // An open window reads back to its lead only while it is looked for.
    const open = leadWin(lead(after, null, 300_000));
    const lookEnd = new Date(settled + cfg.graceMs);
    expect(pollRange(seen(null, lookEnd), [open], lookEnd, cfg)).toEqual({
      from: uts(W) - 1,
    });
    const matched = leadWin(lead(after, after + 9), at(1));
    expect(windowPollEnd(matched, cfg)).toBe(at(1).getTime() + cfg.graceMs);
    expect(pollRange(seen(null, at(1)), [matched], at(1), cfg)).toEqual({
      from: uts(W) - 1,
    });
  });

  it('records a lead seen in a span once', () => {
    const x = scrobble('Jóga', uts(at(-2)));
    const ws = [win(at(-10), at(-1)), leadWin(lead(uts(at(-5)), null, 600_000))];
    const sel = selectForFollow([x], ws);
    expect(sel.scrobbles).toEqual([x]);
    expect(sel.leads.map((l) => l.scrobble)).toEqual([x]);
  });

  const tracks = fc.constantFrom('Jóga', 'Hunter', 'Bachelorette');
  const arbScrobbles = fc.array(
    fc.record({
      artist: fc.constantFrom('Björk', 'björk'),
      track: tracks,
      album: fc.constant(''),
      timestamp: fc.integer({ min: uts(at(-20)), max: uts(at(20)) }),
    }),
    { maxLength: 30 },
  );
  const arbWindow = fc
    .record({
      openS: fc.integer({ min: -600, max: 600 }),
      openMs: fc.integer({ min: 0, max: 999 }),
      len: fc.option(fc.integer({ min: 0, max: 900_000 })),
      afterBack: fc.option(fc.integer({ min: 0, max: 1200 })),
      durationS: fc.option(fc.integer({ min: 31, max: 480 })),
    })
    .map(({ openS, openMs, len, afterBack, durationS }): WindowRow => {
      const opened = new Date(at(0, openS).getTime() + openMs);
      const closed = len === null ? null : new Date(opened.getTime() + len);
      const d = durationS === null ? null : durationS * 1000;
      const l = afterBack === null ? null : lead(uts(opened) - afterBack, null, d);
      return { ...win(opened, closed), lead: l };
    });
  /** Polls: what each saw and when (minutes after T0, in order). */
  // What successive polls see (the selection does not depend on when they run).
  const arbPolls = fc.array(arbScrobbles, { minLength: 1, maxLength: 5 });

  /** The windows after a poll's leads were recorded. */
  const record = (ws: WindowRow[], leads: LeadMatch<EngineScrobble>[]): WindowRow[] =>
    ws.map((w) => {
      const m = leads.find((l) => l.window === w);
      return m && w.lead ? { ...w, lead: { ...w.lead, uts: m.scrobble.timestamp } } : w;
    });

  it('never selects outside the spans except one lead match per window, and that once', () => {
    fc.assert(
      fc.property(arbPolls, fc.array(arbWindow, { maxLength: 3 }), (polls, initial) => {
        let ws = initial;
        const matched = new Set<number>();
        for (const list of polls) {
          const sel = selectForFollow(list, ws);
          expect(sel.scrobbles.every((s) => ws.some((w) => inSpan(s.timestamp, w)))).toBe(true);
          expect(new Set(sel.leads.map((l) => l.window)).size).toBe(sel.leads.length);
          for (const { window: w, scrobble: s } of sel.leads) {
            const i = ws.indexOf(w);
            expect(matched.has(i)).toBe(false);
            matched.add(i);
            expect([s.artist, s.track]).toEqual([w.lead?.artist, w.lead?.track]);
            expect(s.timestamp > (w.lead?.after_uts ?? Infinity)).toBe(true);
            expect(s.timestamp * 1000 <= w.opened_at.getTime()).toBe(true);
          }
          ws = record(ws, sel.leads);
        }
      }),
    );
  });

  it('is idempotent: a repeated poll selects the same spans and, once recorded, no lead', () => {
    fc.assert(
      fc.property(arbScrobbles, fc.array(arbWindow, { maxLength: 3 }), (list, ws) => {
        const first = selectForFollow(list, ws);
        expect(selectForFollow(list, ws)).toEqual(first);
        const again = selectForFollow([...list].reverse(), record(ws, first.leads));
        const keys = (l: EngineScrobble[]): string[] => l.map(scrobbleKey).sort();
        expect(keys(again.scrobbles)).toEqual(keys(first.scrobbles));
        expect(again.leads).toEqual([]);
      }),
    );
  });

  it('never takes a repeat of the lead track that ended before W when its duration is known', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 31, max: 480 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 900 }),
        arbScrobbles,
        (durS, wMs, gapS, others) => {
          const opened = new Date(at(0).getTime() + wMs);
          // That earlier play of X ran its whole length and ended `gapS` before W.
          const endedAt = Math.floor(opened.getTime() / 1000) - gapS;
          const earlier = scrobble('Jóga', endedAt - durS, { artist: 'Björk' });
          const l = openingLead({ nowPlaying: X, scrobbles: [] }, opened, null, durS * 1000);
          const w: WindowRow = { ...win(opened), lead: l };
          const picked = selectForFollow([...others, earlier], [w]).leads;
          expect(picked.map((p) => p.scrobble.timestamp)).not.toContain(earlier.timestamp);
        },
      ),
    );
  });

  it('never takes an earlier play skipped after its scrobble point for the one on at W', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 31, max: 480 }),
        fc.double({ min: 0.5, max: 0.99, noNaN: true }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 120 }),
        fc.boolean(),
        fc.boolean(),
        (durS, playedShare, intoS, checkMin, early, replayScrobbled) => {
          // X played from t1 and was skipped after its scrobble point; X again from t2, and W
          // is `intoS` into that play. t1's scrobble landed late, after W; t2's lands when the
          // second play ends (`early`) or later, but within the grace period — or never, when
          // the replay was skipped before its own scrobble point (the model test found it).
          const t1 = uts(at(-20));
          const minPlayedS = Math.ceil(scrobbleAfterMs(durS * 1000) / 1000);
          const t2 = t1 + Math.max(minPlayedS, Math.floor(durS * playedShare));
          const opened = new Date((t2 + intoS) * 1000 + 500);
          const l = openingLead({ nowPlaying: X, scrobbles: [] }, opened, t1 - 60, durS * 1000);
          const w: WindowRow = { ...win(opened), lead: l };
          const now = new Date(opened.getTime() + checkMin * 60_000);
          const settled = now >= (leadSettledAt(w, cfg) ?? now);
          const landed = replayScrobbled && (early || settled);
          const seen = [scrobble('Jóga', t1), ...(landed ? [scrobble('Jóga', t2)] : [])];
          const picked = selectForFollow(seen, [w]).leads.map((p) => p.scrobble.timestamp);
          expect(picked).not.toContain(t1);
        },
      ),
    );
  });
});
