import { describe, expect, it } from 'vitest';
import { engineConfig } from '../config.js';
import {
  detectOwnScrobbling,
  guardCheckDue,
  guestHistoryRange,
  ownScrobbleUpdates,
} from './guard.js';
import { at, followRow, outboxRow, scrobble, win } from '../test-support/factories.js';
import { IGNORED_CODE } from '../types.js';

const cfg = engineConfig();

describe('guardCheckDue', () => {
  const windows = [win(at(-60), at(-40)), win(at(-10))];

  it('checks at the first submission of a follow', () => {
    expect(guardCheckDue(followRow(), windows, at(0), cfg)).toBe(true);
  });

  it('checks again at the first submission of each new window', () => {
    const follow = followRow({ last_guard_check_at: at(-30) });
    expect(guardCheckDue(follow, windows, at(0), cfg)).toBe(true);
  });

  it('checks every guardIntervalMs within a window, and not sooner', () => {
    expect(guardCheckDue(followRow({ last_guard_check_at: at(-5) }), windows, at(0), cfg)).toBe(
      false,
    );
    expect(guardCheckDue(followRow({ last_guard_check_at: at(-5) }), windows, at(25), cfg)).toBe(
      true,
    );
  });

  it('always checks a follow paused because the guest scrobbles already', () => {
    const follow = followRow({
      state: 'paused',
      pause_reason: 'already_scrobbling',
      last_guard_check_at: at(0),
    });
    expect(guardCheckDue(follow, windows, at(0), cfg)).toBe(true);
  });

  it('never checks other paused or stopped follows, nor one without windows', () => {
    expect(
      guardCheckDue(followRow({ state: 'paused', pause_reason: 'user' }), windows, at(0), cfg),
    ).toBe(false);
    expect(
      guardCheckDue(
        followRow({ state: 'stopped', stop_reason: 'stopped_by_user' }),
        windows,
        at(0),
        cfg,
      ),
    ).toBe(false);
    expect(guardCheckDue(followRow(), [], at(0), cfg)).toBe(false);
  });
});

describe('detectOwnScrobbling', () => {
  const candidate = outboxRow({ track: 'Jóga', timestamp: 10_000 });

  it('is clear when the guest’s profile has nothing like the rows', () => {
    const guest = [scrobble('Hunter', 10_000), scrobble('Jóga', 10_000 + 121)];
    expect(detectOwnScrobbling(guest, [candidate], [], cfg)).toEqual({
      matched: [],
      verdict: 'clear',
    });
  });

  it('matches the same artist and track within two minutes either way', () => {
    for (const t of [10_000 - 120, 10_000 + 45]) {
      const result = detectOwnScrobbling(
        [scrobble('JÓGA', t, { artist: 'bjork' })],
        [candidate],
        [],
        cfg,
      );
      expect(result).toEqual({ matched: [candidate], verdict: 'already_scrobbling' });
    }
  });

  it('leaves out what Lasso itself sent', () => {
    const sent = { artist: 'Björk', track: 'Jóga', timestamp: 10_000 - 60 };
    const guest = [scrobble('Jóga', 10_000 - 60)];
    expect(detectOwnScrobbling(guest, [candidate], [sent], cfg).verdict).toBe('clear');
  });

  it('still sees the guest’s own copy next to Lasso’s at the same second', () => {
    const sent = { artist: 'Björk', track: 'Jóga', timestamp: 10_000 - 60 };
    const guest = [scrobble('Jóga', 10_000 - 60), scrobble('Jóga', 10_000 - 60)];
    expect(detectOwnScrobbling(guest, [candidate], [sent], cfg).verdict).toBe('already_scrobbling');
  });

  it('reports only the matched rows; the others may be sent', () => {
    const other = outboxRow({ track: 'Bachelorette', timestamp: 9_000 });
    const result = detectOwnScrobbling([scrobble('Jóga', 10_010)], [other, candidate], [], cfg);
    expect(result.matched).toEqual([candidate]);
  });
});

describe('ownScrobbleUpdates and guestHistoryRange', () => {
  it('settles matched rows as ignored so they are never sent', () => {
    const row = outboxRow();
    expect(ownScrobbleUpdates([row], at(0))).toEqual([
      expect.objectContaining({
        id: row.id,
        state: 'ignored',
        ignored_code: IGNORED_CODE.OWN_SCROBBLE,
        settled_at: at(0),
      }),
    ]);
  });

  it('covers the rows with slack on both sides', () => {
    expect(guestHistoryRange([{ timestamp: 500 }, { timestamp: 100 }], 120)).toEqual({
      from: -21,
      to: 621,
    });
    expect(guestHistoryRange([{ timestamp: 500 }], 0)).toEqual({ from: 499, to: 501 });
    expect(guestHistoryRange([], 120)).toBeNull();
  });
});
