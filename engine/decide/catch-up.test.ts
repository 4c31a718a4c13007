import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catchUpPreview, validateCatchUpStart } from './catch-up.js';
import { engineConfig } from '../config.js';
import { at, scrobble, uts } from '../test-support/factories.js';
import { inSpan } from './windows.js';

const cfg = engineConfig();

describe('validateCatchUpStart', () => {
  it('accepts a start up to catchUpMaxHours back, and now itself', () => {
    expect(validateCatchUpStart(at(-12 * 60), at(0), cfg)).toEqual({ ok: true });
    expect(validateCatchUpStart(at(0), at(0), cfg)).toEqual({ ok: true });
  });

  it('refuses a start in the future, too far back, or not a date', () => {
    const refuse = (problem: string) => ({ ok: false, code: 'INVALID_REQUEST', problem });
    expect(validateCatchUpStart(at(0, 1), at(0), cfg)).toEqual(refuse('in_future'));
    expect(validateCatchUpStart(at(-12 * 60, -1), at(0), cfg)).toEqual(refuse('too_far_back'));
    expect(validateCatchUpStart(new Date(Number.NaN), at(0), cfg)).toEqual(refuse('invalid_date'));
  });
});

describe('catchUpPreview', () => {
  it('shows the host scrobbles since the start, oldest first, and opens there', () => {
    const list = [
      scrobble('c', uts(at(-5))),
      scrobble('before', uts(at(-31))),
      scrobble('a', uts(at(-30))),
    ];
    expect(catchUpPreview(list, at(-30), at(0), cfg)).toEqual({
      opensAt: at(-30),
      scrobbles: [list[2], list[0]],
      total: 2,
      capped: false,
    });
  });

  it('leaves out scrobbles stamped after now', () => {
    const list = [scrobble('future', uts(at(1)))];
    expect(catchUpPreview(list, at(-30), at(0), cfg).scrobbles).toEqual([]);
  });

  it('keeps the newest 50 and opens the window at the oldest of them', () => {
    const list = Array.from({ length: 80 }, (_, i) => scrobble(`t${i}`, uts(at(-400)) + i * 180));
    const plan = catchUpPreview(list, at(-400), at(0), cfg);
    expect(plan.scrobbles).toHaveLength(50);
    expect(plan).toMatchObject({ total: 80, capped: true });
    expect(plan.scrobbles[0]!.track).toBe('t30');
    expect(plan.opensAt).toEqual(new Date(list[30]!.timestamp * 1000));
  });

  it('opens a second later rather than include an unshown scrobble at the same second', () => {
    const tie = uts(at(-100));
    const list = [
      scrobble('left-out', tie, { artist: 'A' }),
      scrobble('kept', tie, { artist: 'B' }),
      ...Array.from({ length: 49 }, (_, i) => scrobble(`t${i}`, tie + 60 * (i + 1))),
    ];
    const plan = catchUpPreview(list, at(-200), at(0), cfg);
    expect(plan.opensAt).toEqual(new Date((tie + 1) * 1000));
    expect(plan.scrobbles).toHaveLength(49);
  });

  it('holds exactly what it shows: every shown scrobble is in the window, none left out inside it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 * 3600 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 60 }),
        (offsets, cap) => {
          const capped = engineConfig({ catchUpMaxScrobbles: cap });
          const list = offsets.map((o, i) => scrobble(`t${i}`, uts(at(-12 * 60)) + o));
          const plan = catchUpPreview(list, at(-12 * 60), at(0), capped);
          expect(plan.scrobbles.length).toBeLessThanOrEqual(cap);
          const window = { opened_at: plan.opensAt, closed_at: null };
          const inside = list.filter((s) => inSpan(s.timestamp, window));
          expect(new Set(plan.scrobbles)).toEqual(new Set(inside));
        },
      ),
    );
  });
});
