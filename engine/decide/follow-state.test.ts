import { describe, expect, it } from 'vitest';
import { EngineError } from '../engine-api.js';
import {
  applyWindowOp,
  guestRequest,
  transition,
  transitionOrThrow,
  type FollowAction,
} from './follow-state.js';
import { at, win } from '../test-support/factories.js';
import type { FollowState } from '../types.js';

const now = at(0);
const start: FollowAction = { type: 'start' };
const pause: FollowAction = { type: 'pause', reason: 'user' };
const resume: FollowAction = { type: 'resume' };
const stop: FollowAction = { type: 'stop', reason: 'stopped_by_user' };

describe('transition', () => {
  it('starts a follow active with a window opening now, and polls the host at once', () => {
    expect(transition(null, start, now)).toEqual({
      ok: true,
      patch: {
        state: 'active',
        pause_reason: null,
        stop_reason: null,
        stopped_at: null,
        started_at: now,
      },
      window: { op: 'open', at: now, lead: null },
      pollHostNow: true,
    });
  });

  it('opens the window with the lead it is given', () => {
    const lead = {
      artist: 'Björk',
      track: 'Jóga',
      after_uts: 100,
      duration_ms: 300_000,
      uts: null,
    };
    expect(transition('paused', { type: 'resume', lead }, now)).toMatchObject({
      window: { op: 'open', at: now, lead },
    });
    expect(applyWindowOp([], { op: 'open', at: now, lead })).toEqual([{ ...win(now), lead }]);
  });

  it('opens a catch-up follow’s first window at the chosen start', () => {
    const result = transition('stopped', { type: 'start', openAt: at(-30) }, now);
    expect(result).toMatchObject({ ok: true, window: { op: 'open', at: at(-30) } });
  });

  it('pauses an active follow and closes its window now', () => {
    const result = transition('active', { type: 'pause', reason: 'already_scrobbling' }, now);
    expect(result).toEqual({
      ok: true,
      patch: {
        state: 'paused',
        pause_reason: 'already_scrobbling',
        stop_reason: null,
        stopped_at: null,
      },
      window: { op: 'close', at: now },
      pollHostNow: false,
    });
  });

  it('resumes a paused follow with a new window', () => {
    expect(transition('paused', resume, now)).toEqual({
      ok: true,
      patch: { state: 'active', pause_reason: null, stop_reason: null, stopped_at: null },
      window: { op: 'open', at: now, lead: null },
      pollHostNow: true,
    });
  });

  it('stops an active follow and closes its window; a paused one has none open', () => {
    const patch = {
      state: 'stopped',
      pause_reason: null,
      stop_reason: 'jam_ended',
      stopped_at: now,
    };
    expect(transition('active', { type: 'stop', reason: 'jam_ended' }, now)).toMatchObject({
      ok: true,
      patch,
      window: { op: 'close', at: now },
    });
    expect(transition('paused', { type: 'stop', reason: 'jam_ended' }, now)).toMatchObject({
      ok: true,
      patch,
      window: null,
    });
  });

  const refused: [FollowState | null, FollowAction][] = [
    ['active', start],
    ['paused', start],
    [null, pause],
    ['paused', pause],
    ['stopped', pause],
    [null, resume],
    ['active', resume],
    ['stopped', resume],
    [null, stop],
    ['stopped', stop],
  ];

  it.each(refused)('refuses from %s: %o with INVALID_STATE', (state, action) => {
    expect(transition(state, action, now)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });

  it('throws an EngineError INVALID_STATE from transitionOrThrow when refused', () => {
    expect(transitionOrThrow(null, start, now).patch.state).toBe('active');
    expect(() => transitionOrThrow('stopped', stop, now)).toThrow(EngineError);
    try {
      transitionOrThrow('active', resume, now);
    } catch (e) {
      expect((e as EngineError).code).toBe('INVALID_STATE');
    }
  });
});

describe('guestRequest', () => {
  const ops = { pause, resume, stop } as const;

  it.each([
    ['pause', 'paused'],
    ['resume', 'active'],
    ['stop', 'stopped'],
  ] as const)('succeeds unchanged on %s when the follow is already %s', (op, state) => {
    expect(guestRequest(state, ops[op], now)).toEqual({ kind: 'unchanged', state });
  });

  it('applies a transition the follow allows, with its window change', () => {
    expect(guestRequest('active', pause, now)).toEqual({
      kind: 'apply',
      result: transitionOrThrow('active', pause, now),
    });
    expect(guestRequest('paused', stop, now)).toMatchObject({
      kind: 'apply',
      result: { patch: { state: 'stopped' }, window: null },
    });
  });

  const impossible: [FollowState | null, 'pause' | 'resume' | 'stop'][] = [
    ['stopped', 'pause'],
    ['stopped', 'resume'],
    [null, 'pause'],
    [null, 'resume'],
    [null, 'stop'],
  ];
  it.each(impossible)('refuses from %s: %s with INVALID_STATE', (state, op) => {
    expect(() => guestRequest(state, ops[op], now)).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
  });
});

describe('applyWindowOp', () => {
  it('opens a window unless one is open', () => {
    expect(applyWindowOp([win(at(-9), at(-5))], { op: 'open', at: now })).toEqual([
      win(at(-9), at(-5)),
      { ...win(now), lead: null },
    ]);
    expect(applyWindowOp([win(at(-9))], { op: 'open', at: now })).toEqual([win(at(-9))]);
  });

  it('closes the open window, never before it opened', () => {
    expect(applyWindowOp([win(at(-9))], { op: 'close', at: now })).toEqual([win(at(-9), now)]);
    expect(applyWindowOp([win(at(5))], { op: 'close', at: now })).toEqual([win(at(5), at(5))]);
    expect(applyWindowOp([win(at(-9), at(-5))], { op: 'close', at: now })).toEqual([
      win(at(-9), at(-5)),
    ]);
  });

  it('leaves the input alone and copies on a null op', () => {
    const windows = [win(at(-9))];
    const out = applyWindowOp(windows, null);
    expect(out).toEqual(windows);
    applyWindowOp(windows, { op: 'close', at: now });
    expect(windows[0]!.closed_at).toBeNull();
  });
});
