import { describe, expect, it } from 'vitest';
import { defaultEngineConfig, engineConfig } from '../config.js';
import { autoStopReason, pruneCutoffs } from './stop-rules.js';
import { at, followRow, win } from '../test-support/factories.js';

const cfg = engineConfig();
const active = followRow({ started_at: at(-60) });

describe('autoStopReason', () => {
  it('keeps a follow going while the host is active', () => {
    expect(autoStopReason(active, { last_activity_at: at(-1) }, at(0), cfg)).toBeNull();
  });

  it('stops with target_not_found when the host account is gone', () => {
    expect(
      autoStopReason(active, { last_activity_at: at(0), status: 'not_found' }, at(0), cfg),
    ).toBe('target_not_found');
  });

  it('stops with target_private when the host hides their listening', () => {
    expect(autoStopReason(active, { last_activity_at: at(0), status: 'private' }, at(0), cfg)).toBe(
      'target_private',
    );
  });

  it('stops with max_duration MAX_FOLLOW_HOURS after the start', () => {
    const justBefore = at(-60 + 12 * 60 - 1);
    const host = { last_activity_at: justBefore };
    expect(autoStopReason(active, host, justBefore, cfg)).toBeNull();
    expect(autoStopReason(active, host, at(-60 + 12 * 60), cfg)).toBe('max_duration');
  });

  it('stops with jam_ended after IDLE_STOP_MINUTES of host idleness', () => {
    expect(autoStopReason(active, { last_activity_at: at(-29) }, at(0), cfg)).toBeNull();
    expect(autoStopReason(active, { last_activity_at: at(-30) }, at(0), cfg)).toBe('jam_ended');
  });

  it('counts idleness from the start or the newest window, not from before', () => {
    const fresh = followRow({ started_at: at(-10) });
    expect(autoStopReason(fresh, { last_activity_at: at(-600) }, at(0), cfg)).toBeNull();
    expect(autoStopReason(fresh, { last_activity_at: null }, at(21), cfg)).toBe('jam_ended');
    const resumed = [win(at(-60), at(-50)), win(at(-5))];
    expect(autoStopReason(active, { last_activity_at: at(-45) }, at(0), cfg, resumed)).toBeNull();
  });

  it('applies to paused follows too, but never to stopped ones', () => {
    const paused = followRow({ state: 'paused', pause_reason: 'user', started_at: at(-60) });
    expect(autoStopReason(paused, { last_activity_at: at(-31) }, at(0), cfg)).toBe('jam_ended');
    const stopped = followRow({ state: 'stopped', stop_reason: 'stopped_by_user' });
    expect(
      autoStopReason(stopped, { last_activity_at: null, status: 'not_found' }, at(0), cfg),
    ).toBeNull();
  });

  it('uses the configured limits', () => {
    const quick = engineConfig({ idleStopMinutes: 5, maxFollowHours: 1 });
    expect(autoStopReason(active, { last_activity_at: at(-5) }, at(0), quick)).toBe('max_duration');
    expect(
      autoStopReason(
        followRow({ started_at: at(-20) }),
        { last_activity_at: at(-5) },
        at(0),
        quick,
      ),
    ).toBe('jam_ended');
  });
});

describe('pruneCutoffs', () => {
  const now = new Date('2026-03-31T12:00:00Z');
  const iso = (c: ReturnType<typeof pruneCutoffs>) => ({
    follows: c.followsStoppedBefore.toISOString(),
    rowsSettled: c.rowsSettledBefore.toISOString(),
    rowsStopped: c.rowsStoppedBefore.toISOString(),
    events: c.eventsBefore.toISOString(),
  });

  it('keeps follows and rows historyDays (30) after the stop, events a day', () => {
    expect(iso(pruneCutoffs(now))).toEqual({
      follows: '2026-03-01T12:00:00.000Z',
      rowsSettled: '2026-03-01T12:00:00.000Z',
      rowsStopped: '2026-03-01T12:00:00.000Z',
      events: '2026-03-30T12:00:00.000Z',
    });
  });

  it('with historyDays 0, keeps a follow only while polls may still insert for it', () => {
    // Grace 15 min + last-look retries 6 h + re-read overlap 30 min; a lone settled row 15 min more.
    expect(iso(pruneCutoffs(now, { ...defaultEngineConfig, historyDays: 0 }))).toEqual({
      follows: '2026-03-31T05:15:00.000Z',
      rowsSettled: '2026-03-31T12:00:00.000Z',
      rowsStopped: '2026-03-31T05:00:00.000Z',
      events: '2026-03-31T12:00:00.000Z',
    });
  });
});
