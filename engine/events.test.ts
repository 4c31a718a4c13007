import { describe, expect, it } from 'vitest';
import {
  heldEvent,
  ignoredEvent,
  ignoredReason,
  mirroredEvent,
  nowPlayingEvent,
  stateChangedEvent,
  type EngineEvent,
} from './events.js';
import { at, outboxRow } from './test-support/factories.js';
import { IGNORED_CODE } from './types.js';

describe('engine events', () => {
  const row = outboxRow({
    follow_id: 7,
    track: 'Jóga',
    timestamp: 1_700_000_000,
    image_url: 'https://i/x.png',
  });

  it('describes a mirrored scrobble with its original timestamp and image', () => {
    expect(mirroredEvent(row)).toEqual({
      type: 'mirrored',
      follow_id: 7,
      artist: 'Björk',
      track: 'Jóga',
      album: 'Homogenic',
      timestamp: 1_700_000_000,
      image_url: 'https://i/x.png',
    });
    const { image_url: _drop, ...bare } = row;
    expect(mirroredEvent(bare).image_url).toBeNull();
  });

  it('describes an ignored scrobble with its code and a reason', () => {
    expect(ignoredEvent(row, 3)).toMatchObject({
      type: 'ignored',
      follow_id: 7,
      code: 3,
      reason: 'timestamp too old for Last.fm',
      image_url: 'https://i/x.png',
    });
  });

  it('has a reason for every code, known or not', () => {
    const codes = [1, 2, 3, 4, 5, IGNORED_CODE.DEAD_LETTER, IGNORED_CODE.OWN_SCROBBLE, 42];
    const reasons = codes.map(ignoredReason);
    expect(new Set(reasons).size).toBe(codes.length);
    expect(ignoredReason(42)).toBe('ignored by Last.fm (code 42)');
  });

  it('describes now-playing changes, including the host going quiet', () => {
    const np = { artist: 'Björk', track: 'Jóga', album: '', image_url: null };
    expect(nowPlayingEvent(7, np)).toEqual({ type: 'now_playing', follow_id: 7, now_playing: np });
    expect(nowPlayingEvent(7, null)).toEqual({
      type: 'now_playing',
      follow_id: 7,
      now_playing: null,
    });
  });

  it('describes state changes with both reasons always present', () => {
    expect(stateChangedEvent(7, 'paused', { pause_reason: 'already_scrobbling' })).toEqual({
      type: 'state_changed',
      follow_id: 7,
      state: 'paused',
      stop_reason: null,
      pause_reason: 'already_scrobbling',
    });
    expect(stateChangedEvent(7, 'active').stop_reason).toBeNull();
  });

  it('describes a hold with an ISO time, so every event is plain JSON', () => {
    const events: EngineEvent[] = [heldEvent(7, at(360)), mirroredEvent(row)];
    expect(events[0]).toEqual({ type: 'held', follow_id: 7, until: '2026-01-06T00:00:00.000Z' });
    expect(JSON.parse(JSON.stringify(events))).toEqual(events);
  });
});
