import { describe, expect, it } from 'vitest';
import { reconcileSending, reconciledUpdates } from './reconcile.js';
import { at, outboxRow, scrobble } from '../test-support/factories.js';
import type { OutboxRow } from '../types.js';

const sending = (over: Partial<OutboxRow>) =>
  outboxRow({ state: 'sending', sending_since: at(-5), next_attempt_at: at(-3), ...over });

describe('reconcileSending', () => {
  it('finds rows already on the guest’s profile and sends the rest again', () => {
    const there = sending({ track: 'Jóga', timestamp: 1000 });
    const missing = sending({ track: 'Hunter', timestamp: 1300 });
    const guest = [scrobble('Jóga', 1000), scrobble('Bachelorette', 1600)];
    expect(reconcileSending([there, missing], guest)).toEqual({
      accepted: [there],
      pending: [missing],
    });
  });

  it('matches names case-insensitively and without Latin accents', () => {
    const row = sending({ artist: 'Beyonce', track: 'halo', timestamp: 2000 });
    expect(
      reconcileSending([row], [scrobble('Halo', 2000, { artist: 'Beyoncé' })]).accepted,
    ).toEqual([row]);
  });

  it('tolerates a Last.fm correction of one of the names at the exact second', () => {
    const row = sending({ artist: 'The Beatles', track: 'Hey Jude (Remastered)', timestamp: 3000 });
    const corrected = scrobble('Hey Jude', 3000, { artist: 'The Beatles' });
    expect(reconcileSending([row], [corrected]).accepted).toEqual([row]);
  });

  it('does not count a scrobble at another second, or with both names different', () => {
    const row = sending({ track: 'Jóga', timestamp: 4000 });
    const guest = [scrobble('Jóga', 4001), scrobble('Other', 4000, { artist: 'Someone' })];
    expect(reconcileSending([row], guest)).toEqual({ accepted: [], pending: [row] });
  });

  it('lets one guest scrobble account for one row only', () => {
    const a = sending({ track: 'Jóga', timestamp: 5000 });
    const b = sending({ track: 'Jóga (live)', timestamp: 5000 });
    const result = reconcileSending([b, a], [scrobble('Jóga', 5000)]);
    expect(result).toEqual({ accepted: [a], pending: [b] });
  });

  it('sends everything again when the profile shows none of it', () => {
    const rows = [sending({ timestamp: 6000 })];
    expect(reconcileSending(rows, [])).toEqual({ accepted: [], pending: rows });
  });
});

describe('reconciledUpdates', () => {
  it('settles found rows as mirrored and makes the others due now, attempts unchanged', () => {
    const found = sending({ timestamp: 7000, image_url: 'https://img/x.jpg' });
    const lost = sending({ timestamp: 7300, attempts: 2, last_error: 'timeout', follow_id: 4 });
    const out = reconciledUpdates({ accepted: [found], pending: [lost] }, at(0));
    expect(out.updates).toEqual([
      expect.objectContaining({
        id: found.id,
        state: 'accepted',
        settled_at: at(0),
        sending_since: null,
      }),
      expect.objectContaining({
        id: lost.id,
        state: 'pending',
        attempts: 2,
        next_attempt_at: at(0),
        sending_since: null,
        last_error: 'timeout',
      }),
    ]);
    expect(out.events).toEqual([
      expect.objectContaining({ type: 'mirrored', follow_id: 1, image_url: 'https://img/x.jpg' }),
    ]);
    expect(out.counts).toEqual([{ follow_id: 1, mirrored: 1, ignored: 0 }]);
  });
});
