import { describe, expect, it } from 'vitest';
import { checkWindows } from './outcome.js';
import type { ActionRecord, GuestAction } from './policy.js';

const T = Date.UTC(2026, 0, 5, 18, 0, 0);
const rec = (
  action: GuestAction,
  launchedAt: number,
  settledAt = launchedAt,
  ok = true,
): ActionRecord => ({
  guest: 'g',
  action,
  launchedAt,
  settledAt,
  ok,
  error: ok ? null : 'failed',
});
const start: GuestAction = { kind: 'start', host: 'h', mirrorNowPlaying: false };
const follow = (windows: Array<[number, number | null]>, stopReason: string | null = null) => ({
  host: 'h',
  state: 'stopped',
  stopReason,
  windows: windows.map(([o, c]) => ({ openedAt: o, closedAt: c })),
});

describe('checkWindows', () => {
  it('accepts windows opened and closed while the actions were being handled', () => {
    const actions = [
      rec(start, T, T + 5),
      rec({ kind: 'pause' }, T + 100),
      rec({ kind: 'resume' }, T + 200),
      rec({ kind: 'stop' }, T + 300),
    ];
    expect(
      checkWindows(
        [
          follow([
            [T + 3, T + 100],
            [T + 200, T + 300],
          ]),
        ],
        actions,
      ),
    ).toEqual([]);
  });

  it('reports a window boundary no action explains, naming an engine stop', () => {
    const problems = checkWindows([follow([[T, T + 50]], 'jam_ended')], [rec(start, T)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('jam_ended');
  });

  it('reports a successful action that moved no window, but not a stop of a paused follow', () => {
    const actions = [
      rec(start, T),
      rec({ kind: 'pause' }, T + 10),
      rec({ kind: 'stop' }, T + 20),
      rec({ kind: 'resume' }, T + 30),
    ];
    const problems = checkWindows([follow([[T, T + 10]])], actions);
    expect(problems).toEqual([expect.stringContaining('resume')]);
  });

  it('accepts a repeated state moving nothing: pause while paused, resume while active', () => {
    const actions = [
      rec(start, T),
      rec({ kind: 'resume' }, T + 5),
      rec({ kind: 'pause' }, T + 10),
      rec({ kind: 'pause' }, T + 15),
      rec({ kind: 'stop' }, T + 20),
      rec({ kind: 'stop' }, T + 25),
    ];
    expect(checkWindows([follow([[T, T + 10]])], actions)).toEqual([]);
    const moved = [rec(start, T), rec({ kind: 'pause' }, T + 15)];
    expect(checkWindows([follow([[T, null]])], moved)).toEqual([expect.stringContaining('pause')]);
  });

  it('lets a stop made while a catch-up start is on its way find no window', () => {
    const catchUp = rec({ ...start, catchUpFrom: T - 60_000 }, T, T + 20);
    const actions = [catchUp, rec({ kind: 'stop' }, T + 10), rec({ kind: 'stop' }, T + 30)];
    expect(checkWindows([follow([[T - 60_000, T + 30]])], actions)).toEqual([]);
    const restart = [catchUp, rec({ kind: 'stop' }, T + 10), rec(start, T + 40)];
    const switched = [follow([[T - 60_000, T + 40]], 'switched'), follow([[T + 40, null]])];
    expect(checkWindows(switched, restart)).toEqual([]);
  });

  it('opens a catch-up window exactly where it was asked, not when', () => {
    const catchUp = rec({ ...start, catchUpFrom: T - 60_000 }, T);
    expect(
      checkWindows([follow([[T - 60_000, T + 10]])], [catchUp, rec({ kind: 'stop' }, T + 10)]),
    ).toEqual([]);
    expect(
      checkWindows([follow([[T, T + 10]])], [catchUp, rec({ kind: 'stop' }, T + 10)]),
    ).not.toEqual([]);
  });

  it('lets a failed action explain a boundary without requiring one', () => {
    const actions = [rec(start, T), rec({ kind: 'pause' }, T + 10, T + 12, false)];
    expect(checkWindows([follow([[T, T + 11]])], actions)).toEqual([]);
    expect(checkWindows([follow([[T, null]])], actions)).toEqual([]);
  });
});
