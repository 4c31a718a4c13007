import { describe, expect, it } from 'vitest';
import { LastfmError } from '../../lastfm/errors.js';
import { seededRandom } from '../../lib/random.js';
import { engineConfig } from '../config.js';
import {
  applyScrobbleResult,
  countByFollow,
  markSending,
  scrobbleOutcomeFromError,
  submitterDecision,
  toScrobbleInputs,
  type ScrobbleOutcome,
} from './submit-logic.js';
import { at, outboxRow, uts } from '../test-support/factories.js';
import { IGNORED_CODE, type OutboxRow } from '../types.js';

const cfg = engineConfig();
const now = at(0);
const ctx = { now, cfg, random: seededRandom(3) };
const decide = (rows: OutboxRow[], heldUntil: Date | null = null) =>
  submitterDecision({ rows, heldUntil, now }, cfg);
const sending = (over: Partial<OutboxRow> = {}) =>
  outboxRow({ state: 'sending', sending_since: at(-1), next_attempt_at: at(1), ...over });
const reply = (rows: OutboxRow[], codes: number[]): ScrobbleOutcome => ({
  kind: 'response',
  items: rows.map((r, i) => ({
    timestamp: r.timestamp,
    ignoredCode: codes[i] ?? 0,
    ignoredMessage: '',
  })),
});
const failure = (code: number, errorKind: LastfmError['kind'], httpStatus: number | null = null) =>
  ({ kind: 'error', errorKind, code, httpStatus, message: 'boom' }) as const;

describe('submitterDecision', () => {
  it('is idle with nothing pending', () => {
    expect(decide([])).toEqual({ kind: 'idle' });
    expect(decide([outboxRow({ state: 'accepted' }), outboxRow({ state: 'ignored' })])).toEqual({
      kind: 'idle',
    });
  });

  it('sends the oldest rows first, across follows', () => {
    const newer = outboxRow({ follow_id: 1, timestamp: uts(at(-5)) });
    const older = outboxRow({ follow_id: 2, timestamp: uts(at(-9)) });
    expect(decide([newer, older])).toEqual({ kind: 'send', rows: [older, newer] });
  });

  it('splits a long queue into batches of 50, oldest first', () => {
    const rows = Array.from({ length: 120 }, (_, i) =>
      outboxRow({ timestamp: uts(at(-200)) + (119 - i) * 60 }),
    );
    const d = decide(rows);
    expect(d.kind === 'send' && d.rows.length).toBe(50);
    const stamps = d.kind === 'send' ? d.rows.map((r) => r.timestamp) : [];
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps[0]).toBe(uts(at(-200)));
    expect(
      submitterDecision({ rows, heldUntil: null, now }, engineConfig({ batchSize: 7 })),
    ).toMatchObject({
      kind: 'send',
      rows: { length: 7 },
    });
  });

  it('orders rows with the same timestamp by id', () => {
    const b = outboxRow({ id: 9002, timestamp: uts(at(-3)) });
    const a = outboxRow({ id: 9001, timestamp: b.timestamp, track: 'other' });
    expect(decide([b, a])).toEqual({ kind: 'send', rows: [a, b] });
  });

  it('waits for the oldest row’s back-off rather than overtake it', () => {
    const head = outboxRow({ timestamp: uts(at(-9)), next_attempt_at: at(2) });
    const due = outboxRow({ timestamp: uts(at(-5)) });
    expect(decide([due, head])).toEqual({ kind: 'wait', until: at(2) });
  });

  it('sends only the due prefix of the queue', () => {
    const a = outboxRow({ timestamp: uts(at(-9)) });
    const b = outboxRow({ timestamp: uts(at(-8)) });
    const later = outboxRow({ timestamp: uts(at(-7)), next_attempt_at: at(3) });
    const c = outboxRow({ timestamp: uts(at(-6)) });
    expect(decide([c, later, b, a])).toEqual({ kind: 'send', rows: [a, b] });
  });

  it('holds while the daily limit hold lasts, then sends', () => {
    const row = outboxRow();
    expect(decide([row], at(60))).toEqual({ kind: 'held', until: at(60) });
    expect(decide([row], at(-1))).toEqual({ kind: 'send', rows: [row] });
  });

  it('reconciles rows whose sending lease ran out before anything else, even when held', () => {
    const lapsed = sending({ next_attempt_at: at(0) });
    expect(decide([outboxRow(), lapsed], at(60))).toEqual({ kind: 'reconcile', rows: [lapsed] });
  });

  it('sends one batch at a time: waits while one is in flight', () => {
    expect(decide([outboxRow(), sending({ next_attempt_at: at(2) })])).toEqual({
      kind: 'wait',
      until: at(2),
    });
  });

  it('settles rows Last.fm could never accept without a call', () => {
    const old = outboxRow({ timestamp: uts(at(-14 * 24 * 60)) });
    const empty = outboxRow({ artist: '  ' });
    const fine = outboxRow();
    const d = decide([old, empty, fine]);
    expect(d.kind).toBe('expire');
    const updates = d.kind === 'expire' ? d.updates : [];
    expect(updates.map((u) => [u.id, u.state, u.ignored_code, u.settled_at])).toEqual([
      [old.id, 'ignored', IGNORED_CODE.TOO_OLD, now],
      [empty.id, 'ignored', IGNORED_CODE.DEAD_LETTER, now],
    ]);
  });
});

describe('markSending and toScrobbleInputs', () => {
  it('marks a batch sending with a lease', () => {
    const row = outboxRow({ attempts: 2 });
    expect(markSending([row], now, cfg)).toEqual([
      {
        id: row.id,
        state: 'sending',
        attempts: 2,
        next_attempt_at: new Date(now.getTime() + cfg.leaseMs),
        sending_since: now,
        ignored_code: null,
        ignored_message: null,
        last_error: null,
        settled_at: null,
      },
    ]);
  });

  it('sends the original timestamp, the album when known and the album artist when set', () => {
    const a = outboxRow({ album: '', timestamp: 1_700_000_000 });
    const b = outboxRow({ album: 'Homogenic', album_artist: 'Various', timestamp: 1_700_000_300 });
    expect(toScrobbleInputs([a, b])).toEqual([
      { artist: 'Björk', track: 'Jóga', timestamp: 1_700_000_000 },
      {
        artist: 'Björk',
        track: 'Jóga',
        timestamp: 1_700_000_300,
        album: 'Homogenic',
        albumArtist: 'Various',
      },
    ]);
  });
});

describe('applyScrobbleResult: per-item results', () => {
  it('settles accepted rows, with mirrored events and counts', () => {
    const rows = [sending({ image_url: 'https://img/1.jpg' }), sending({ follow_id: 2 })];
    const s = applyScrobbleResult(rows, reply(rows, [0, 0]), ctx);
    expect(s.updates.map((u) => [u.state, u.settled_at, u.sending_since])).toEqual([
      ['accepted', now, null],
      ['accepted', now, null],
    ]);
    expect(s.events[0]).toMatchObject({
      type: 'mirrored',
      follow_id: 1,
      image_url: 'https://img/1.jpg',
    });
    expect(s.counts).toEqual([
      { follow_id: 1, mirrored: 1, ignored: 0 },
      { follow_id: 2, mirrored: 1, ignored: 0 },
    ]);
    expect(s.guest).toEqual({ kind: 'none' });
  });

  it.each([1, 2, 3, 4])('marks an item ignored with code %i and never resends it', (code) => {
    const rows = [sending()];
    const s = applyScrobbleResult(rows, reply(rows, [code]), ctx);
    expect(s.updates[0]).toMatchObject({ state: 'ignored', ignored_code: code, settled_at: now });
    expect(s.updates[0]!.ignored_message).not.toBe('');
    expect(s.events).toEqual([expect.objectContaining({ type: 'ignored', code })]);
    expect(s.counts).toEqual([{ follow_id: 1, mirrored: 0, ignored: 1 }]);
  });

  it('keeps Last.fm’s ignored message when it sends one', () => {
    const rows = [sending()];
    const outcome: ScrobbleOutcome = {
      kind: 'response',
      items: [
        { timestamp: rows[0]!.timestamp, ignoredCode: 1, ignoredMessage: 'Artist was ignored' },
      ],
    };
    expect(applyScrobbleResult(rows, outcome, ctx).updates[0]!.ignored_message).toBe(
      'Artist was ignored',
    );
  });

  it('holds an item over the daily limit (code 5) until the next UTC day', () => {
    const rows = [sending({ attempts: 2 })];
    const s = applyScrobbleResult(rows, reply(rows, [5]), ctx);
    const midnight = new Date('2026-01-06T00:00:00.000Z');
    expect(s.updates[0]).toMatchObject({
      state: 'pending',
      attempts: 0,
      next_attempt_at: midnight,
      settled_at: null,
    });
    expect(s.guest).toEqual({ kind: 'hold', until: midnight });
    expect(s.events).toEqual([]);
  });

  it('settles a mixed batch item by item', () => {
    const rows = [sending(), sending(), sending(), sending()];
    const s = applyScrobbleResult(rows, reply(rows, [0, 1, 5, 0]), ctx);
    expect(s.updates.map((u) => u.state)).toEqual(['accepted', 'ignored', 'pending', 'accepted']);
    expect(s.events.map((e) => e.type)).toEqual(['mirrored', 'ignored', 'mirrored']);
    expect(s.counts).toEqual([{ follow_id: 1, mirrored: 2, ignored: 1 }]);
    expect(s.guest.kind).toBe('hold');
  });

  it('keeps rows sending for a reconcile when the response does not line up with the batch', () => {
    const rows = [sending(), sending({ timestamp: 1_767_000_000 })];
    const short: ScrobbleOutcome = {
      kind: 'response',
      items: [{ timestamp: rows[0]!.timestamp, ignoredCode: 0 }],
    };
    const swapped = reply([rows[1]!, rows[0]!], [0, 0]);
    for (const outcome of [short, swapped]) {
      const s = applyScrobbleResult(rows, outcome, ctx);
      expect(s.updates.map((u) => [u.state, u.attempts, u.sending_since])).toEqual([
        ['sending', 1, at(-1)],
        ['sending', 1, at(-1)],
      ]);
      expect(s.updates[0]!.next_attempt_at).toEqual(new Date(now.getTime() + cfg.reconcileDelayMs));
      expect(s.events).toEqual([]);
    }
  });
});

describe('applyScrobbleResult: failed calls', () => {
  it('stops the guest’s follows on error 9 and keeps the rows pending as they were', () => {
    const rows = [sending({ attempts: 1 })];
    const s = applyScrobbleResult(rows, failure(9, 'auth_revoked', 403), ctx);
    expect(s.updates[0]).toMatchObject({
      state: 'pending',
      attempts: 1,
      next_attempt_at: now,
      sending_since: null,
    });
    expect(s.guest).toEqual({ kind: 'stop_follows', reason: 'auth_revoked' });
  });

  it.each([8, 11, 16])('retries error %i with a shared jittered back-off', (code) => {
    const rows = [sending({ attempts: 2 }), sending()];
    const s = applyScrobbleResult(rows, failure(code, 'retryable', 503), ctx);
    const { baseMs } = cfg.submitBackoff;
    const delay = s.updates[0]!.next_attempt_at.getTime() - now.getTime();
    expect(delay).toBeGreaterThanOrEqual(2 * baseMs);
    expect(delay).toBeLessThanOrEqual(4 * baseMs);
    expect(s.updates.map((u) => [u.state, u.attempts])).toEqual([
      ['pending', 3],
      ['pending', 1],
    ]);
    expect(s.updates[1]!.next_attempt_at).toEqual(s.updates[0]!.next_attempt_at);
    expect(s.updates[0]!.last_error).toContain(`Last.fm error ${code} (HTTP 503)`);
  });

  it('treats a first 29 on a scrobble as a rate limit and retries', () => {
    const s = applyScrobbleResult([sending()], failure(29, 'retryable', 429), ctx);
    expect(s.updates[0]).toMatchObject({ state: 'pending', attempts: 1 });
    expect(s.guest).toEqual({ kind: 'none' });
  });

  it('takes a repeated 29 / HTTP 429 for the daily limit and holds until the next UTC day', () => {
    const rows = [sending({ attempts: cfg.capHoldAfterAttempts - 1 })];
    for (const outcome of [failure(29, 'retryable', 429), failure(0, 'retryable', 429)]) {
      const s = applyScrobbleResult(rows, outcome, ctx);
      const midnight = new Date('2026-01-06T00:00:00.000Z');
      expect(s.updates[0]).toMatchObject({
        state: 'pending',
        attempts: 0,
        next_attempt_at: midnight,
      });
      expect(s.guest).toEqual({ kind: 'hold', until: midnight });
    }
  });

  it('reconciles after a failure that may have gone through (no Last.fm code)', () => {
    const rows = [sending()];
    const s = applyScrobbleResult(rows, failure(0, 'retryable'), ctx);
    expect(s.updates[0]).toMatchObject({ state: 'sending', attempts: 1, sending_since: at(-1) });
    expect(s.updates[0]!.next_attempt_at).toEqual(new Date(now.getTime() + cfg.reconcileDelayMs));
    const unreadable = applyScrobbleResult(
      [sending({ sending_since: null })],
      failure(0, 'fatal', 200),
      ctx,
    );
    expect(unreadable.updates[0]).toMatchObject({ state: 'sending', sending_since: now });
  });

  it('retries a fatal error slowly, then dead-letters the rows', () => {
    const early = applyScrobbleResult([sending()], failure(6, 'fatal', 400), ctx);
    const delay = early.updates[0]!.next_attempt_at.getTime() - now.getTime();
    expect(delay).toBeGreaterThanOrEqual(cfg.fatalBackoff.baseMs / 2);
    expect(early.updates[0]).toMatchObject({ state: 'pending', attempts: 1 });
    const last = applyScrobbleResult(
      [sending({ attempts: cfg.maxFatalAttempts - 1 })],
      failure(6, 'fatal', 400),
      ctx,
    );
    expect(last.updates[0]).toMatchObject({
      state: 'ignored',
      ignored_code: IGNORED_CODE.DEAD_LETTER,
      attempts: cfg.maxFatalAttempts,
      settled_at: now,
    });
    expect(last.events).toEqual([
      expect.objectContaining({ type: 'ignored', code: IGNORED_CODE.DEAD_LETTER }),
    ]);
    expect(last.counts).toEqual([{ follow_id: 1, mirrored: 0, ignored: 1 }]);
  });

  it('reads a LastfmError as an outcome', () => {
    const err = new LastfmError('retryable', 11, 'Service Offline', 503, 'track.scrobble');
    expect(scrobbleOutcomeFromError(err)).toEqual({
      kind: 'error',
      errorKind: 'retryable',
      code: 11,
      httpStatus: 503,
      message: 'Service Offline',
    });
  });
});

describe('countByFollow', () => {
  it('counts only settled rows it knows, per follow', () => {
    const a = outboxRow({ follow_id: 5 });
    const b = outboxRow({ follow_id: 6 });
    const updates = [
      { ...markSending([a], now, cfg)[0]!, state: 'accepted' as const },
      markSending([b], now, cfg)[0]!,
      { ...markSending([outboxRow()], now, cfg)[0]!, state: 'ignored' as const },
    ];
    expect(countByFollow([a, b], updates)).toEqual([{ follow_id: 5, mirrored: 1, ignored: 0 }]);
  });
});
