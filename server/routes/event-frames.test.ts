import { describe, expect, it } from 'vitest';
import type { EngineEventRecord } from '../../engine/engine-api.js';
import { toSessionEvent } from './event-frames.js';

const record = (type: EngineEventRecord['type'], payload: Record<string, unknown>) => ({
  id: 9,
  type,
  payload,
  at: 0,
});
const track = { artist: 'Björk', track: 'Jóga', album: 'Homogenic', timestamp: 1767636000 };

describe('toSessionEvent', () => {
  it('turns numeric follow ids into the API’s string ids and drops engine-only fields', () => {
    expect(
      toSessionEvent(
        record('ignored', { type: 'ignored', follow_id: 3, ...track, code: -2, reason: 'own' }),
      ),
    ).toEqual({
      event: 'ignored',
      data: { follow_id: '3', ...track, image_url: null, code: -2 },
    });
  });

  it('flattens the engine’s nested now-playing, and keeps null for "stopped playing"', () => {
    const np = { artist: 'Björk', track: 'Jóga', album: '', image_url: null };
    expect(toSessionEvent(record('now_playing', { follow_id: 3, now_playing: np }))).toEqual({
      event: 'now_playing',
      data: { follow_id: '3', ...np },
    });
    expect(toSessionEvent(record('now_playing', { follow_id: 3, now_playing: null }))).toEqual({
      event: 'now_playing',
      data: null,
    });
  });

  it('turns the ISO time of a hold into epoch ms', () => {
    expect(
      toSessionEvent(record('held', { follow_id: 3, until: '2026-01-06T00:00:00.000Z' })),
    ).toEqual({ event: 'held', data: { follow_id: '3', until: Date.UTC(2026, 0, 6) } });
  });

  it('passes state changes through', () => {
    const payload = {
      follow_id: 3,
      state: 'stopped',
      stop_reason: 'jam_ended',
      pause_reason: null,
    };
    expect(toSessionEvent(record('state_changed', payload))).toEqual({
      event: 'state_changed',
      data: { ...payload, follow_id: '3' },
    });
  });

  it('returns null for a payload that does not fit the contract', () => {
    expect(toSessionEvent(record('mirrored', { follow_id: 3 }))).toBeNull();
    expect(toSessionEvent(record('held', { follow_id: 3, until: 'soon' }))).toBeNull();
    expect(toSessionEvent({ ...record('mirrored', {}), payload: null as never })).toBeNull();
  });
});
