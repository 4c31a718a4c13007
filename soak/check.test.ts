import { describe, expect, it } from 'vitest';
import type { ActionRecord } from './browser.js';
import { judgeGuest, matchWindows, type GuestEvidence } from './check.js';
import type { Song } from './plan.js';
import { newTruth, type HostTruth } from './truth.js';

const T = 1_800_000_000_000; // epoch ms, a whole second
const song = (track: string, extra: Partial<Song> = {}): Song => ({
  artist: 'Sigur Rós',
  track,
  album: 'Takk...',
  durationMs: 10_000,
  ...extra,
});

/** A host who played `songs` back to back from T, each scrobbled and posted at its end. */
function host(songs: Song[]): HostTruth {
  const truth = newTruth('h');
  let at = T;
  for (const s of songs) {
    const play = truth.plays.length;
    truth.plays.push({
      song: s,
      set: { fromMs: at, toMs: at + 5 },
      timestamp: at / 1000,
      scrobbled: true,
    });
    truth.np.push({ kind: 'set', play, fromMs: at, toMs: at + 5 });
    const end = at + s.durationMs;
    truth.posted.push({
      artist: s.artist,
      track: s.track,
      album: s.album,
      timestamp: at / 1000,
      play,
      fromMs: end,
      toMs: end + 3,
    });
    at = end;
  }
  return truth;
}

const action = (kind: ActionRecord['kind'], fromMs: number, toMs = fromMs + 40): ActionRecord => ({
  guest: 'g',
  kind,
  attempts: [{ fromMs, toMs, status: 200, origin: 'http://lasso' }],
  outcome: 'ok',
});

const row = (truth: HostTruth, i: number) => {
  const p = truth.posted[i]!;
  return { artist: p.artist, track: p.track, album: p.album, timestamp: p.timestamp };
};
const sent = (truth: HostTruth, i: number, at = T + 60_000) => ({ ...row(truth, i), at });

describe('matchWindows', () => {
  it('accepts windows whose edges fall inside the requests that asked for them', () => {
    const r = matchWindows(
      [{ openedAt: T + 2_010, closedAt: T + 30_020 }],
      [action('start', T + 2_000), action('pause', T + 30_000)],
    );
    expect(r.problems).toEqual([]);
    expect(r.opens).toEqual([
      { at: T + 2_010, open: true, requestedAt: T + 2_000, catchUp: false },
    ]);
  });

  it('reports a window edge no request explains, and a request that changed no window', () => {
    const r = matchWindows([{ openedAt: T + 5_000, closedAt: null }], [action('start', T + 2_000)]);
    expect(r.problems).toEqual([
      expect.stringContaining('window opened at'),
      expect.stringContaining('start at'),
    ]);
  });

  it('owes what a catch-up reaches back to from the moment the guest asked', () => {
    const truth = host([song('A'), song('B')]);
    const start = { ...action('start', T + 60_000), catchUpSince: T + 1_000 };
    const v = judgeGuest(truth, {
      guest: 'g',
      windows: [{ openedAt: T + 1_000, closedAt: null }],
      actions: [start],
      library: [row(truth, 1)],
      submissions: [sent(truth, 1, T + 65_000)],
    });
    expect(v.copies).toEqual([
      expect.objectContaining({ availableAt: T + 60_000, mirroredAt: T + 65_000 }),
    ]);
  });

  it('takes a catch-up window opening at the moment the guest named, before the request', () => {
    const start = { ...action('start', T + 60_000), catchUpSince: T + 1_000 };
    const r = matchWindows([{ openedAt: T + 1_000, closedAt: null }], [start]);
    expect(r.problems).toEqual([]);
    expect(r.opens[0]?.catchUp).toBe(true);
  });
});

describe('judgeGuest', () => {
  const truth = host([song('A'), song('B'), song('C'), song('D')]);
  // Joined 2 s into A (its lead), paused 2 s into C: A, B and C are the guest's; D is not.
  const base: GuestEvidence = {
    guest: 'g',
    windows: [{ openedAt: T + 2_010, closedAt: T + 22_010 }],
    actions: [action('start', T + 2_000), action('pause', T + 22_000)],
    library: [row(truth, 0), row(truth, 1), row(truth, 2)],
    submissions: [sent(truth, 0), sent(truth, 1), sent(truth, 2)],
  };

  it('finds nothing wrong with exactly the window and its lead, each sent once', () => {
    const v = judgeGuest(truth, base);
    expect(v).toMatchObject({ expected: 3, mirrored: 3, duplicates: 0, missing: [], outside: [] });
    expect(v.leads.required).toBe(1);
    expect(v.windowProblems).toEqual([]);
  });

  it('counts a scrobble Last.fm accepted twice as a duplicate, though the library keeps one', () => {
    const v = judgeGuest(truth, { ...base, submissions: [...base.submissions, sent(truth, 1)] });
    expect(v.duplicates).toBe(1);
  });

  it('counts an in-window scrobble the library lacks as missing', () => {
    const v = judgeGuest(truth, { ...base, library: [row(truth, 0), row(truth, 2)] });
    expect(v.missing).toEqual([expect.objectContaining({ track: 'B' })]);
  });

  it('counts a copy of a scrobble no window covers as outside', () => {
    const v = judgeGuest(truth, { ...base, library: [...base.library, row(truth, 3)] });
    expect(v.outside).toEqual([expect.objectContaining({ track: 'D' })]);
  });

  it('counts a copy with another album', () => {
    const v = judgeGuest(truth, {
      ...base,
      library: [{ ...row(truth, 0), album: '' }, row(truth, 1), row(truth, 2)],
    });
    expect(v.albumMismatch).toBe(1);
  });

  it('neither owes nor refuses a lead Lasso may or may not take, and refuses one it never takes', () => {
    // Joined 7 s into A (10 s): past half of it, but Lasso takes it if it did not know A's length.
    const late: GuestEvidence = {
      ...base,
      windows: [{ openedAt: T + 7_010, closedAt: T + 22_010 }],
      actions: [action('start', T + 7_000), action('pause', T + 22_000)],
    };
    const without = judgeGuest(truth, { ...late, library: [row(truth, 1), row(truth, 2)] });
    expect(without).toMatchObject({ missing: [], outside: [], leads: { may: 1 } });
    expect(judgeGuest(truth, late)).toMatchObject({ outside: [], leads: { optionalTaken: 1 } });
    // Joined 16 s into a 20 s track: Lasso never takes it, so a copy is outside the windows.
    const longer = host([song('L', { durationMs: 20_000 }), song('M')]);
    const never: GuestEvidence = {
      ...base,
      windows: [{ openedAt: T + 16_010, closedAt: T + 40_010 }],
      actions: [action('start', T + 16_000), action('pause', T + 40_000)],
      library: [row(longer, 0), row(longer, 1)],
    };
    expect(judgeGuest(longer, never).outside).toEqual([expect.objectContaining({ track: 'L' })]);
  });

  it('accepts either track as the lead when the host changed tracks during the request', () => {
    // Asked as A played (T+9.8 s), the window opened as B played: Lasso may have read either.
    const slow: GuestEvidence = {
      ...base,
      windows: [{ openedAt: T + 10_300, closedAt: T + 22_010 }],
      actions: [action('start', T + 9_800, T + 10_400), action('pause', T + 22_000)],
    };
    for (const lead of [0, 1]) {
      const library = [row(truth, lead), row(truth, 2)];
      expect(judgeGuest(truth, { ...slow, library })).toMatchObject({
        outside: [],
        missing: [],
        leads: { ambiguous: 2, optionalTaken: 1 },
      });
    }
    // Both would be two leads for one window: one is too many.
    expect(judgeGuest(truth, slow).outside).toHaveLength(1);
  });

  it('reports a poison track sent with its name cleaned, and never as outside', () => {
    const poisoned = host([song('A'), song('Nul\u0000Byte', { poison: 'nul' })]);
    const v = judgeGuest(poisoned, {
      guest: 'g',
      windows: [{ openedAt: T + 2_010, closedAt: null }],
      actions: [action('start', T + 2_000)],
      library: [row(poisoned, 0), { ...row(poisoned, 1), track: 'NulByte' }],
      submissions: [sent(poisoned, 0)],
    });
    expect(v).toMatchObject({ outside: [], missing: [], poison: { expected: 1, altered: 1 } });
  });
});
