import { describe, expect, it } from 'vitest';
import {
  AuthCallbackQuery,
  AuthInitRequest,
  CatchUpQuery,
  ErrorBody,
  HistoryDetailQuery,
  parseSessionEvent,
  SESSION_EVENT_NAMES,
  StartRequest,
  StatusResponse,
  Username,
} from './index.js';

describe('Username', () => {
  it('trims and accepts Last.fm style names, including old ones with dots', () => {
    expect(Username.parse('  maya_plays ')).toBe('maya_plays');
    expect(Username.parse('RJ')).toBe('RJ');
    expect(Username.parse('a.b-c_9')).toBe('a.b-c_9');
  });

  it('refuses empty, too long and characters Last.fm never allows', () => {
    for (const bad of ['', '   ', 'x'.repeat(65), 'maya plays', 'maya/../x', 'ünï', '<script>']) {
      expect(Username.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('AuthInitRequest', () => {
  it('accepts a path inside the app as return_to, or nothing', () => {
    expect(AuthInitRequest.parse({ return_to: '/j/maya?x=1' })).toEqual({
      return_to: '/j/maya?x=1',
    });
    expect(AuthInitRequest.parse({})).toEqual({});
  });

  it('refuses return_to values that browsers would send to another origin', () => {
    for (const bad of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'j/maya',
      '/a b',
    ]) {
      expect(AuthInitRequest.safeParse({ return_to: bad }).success, bad).toBe(false);
    }
  });
});

describe('StartRequest', () => {
  it('defaults mirror_now_playing to false', () => {
    expect(StartRequest.parse({ target_username: 'maya' })).toEqual({
      target_username: 'maya',
      mirror_now_playing: false,
    });
  });

  it('refuses camelCase or unknown fields instead of silently ignoring them', () => {
    expect(StartRequest.safeParse({ targetUsername: 'maya' }).success).toBe(false);
    expect(StartRequest.safeParse({ target_username: 'maya', extra: 1 }).success).toBe(false);
  });
});

describe('query schemas', () => {
  it('coerces numbers from query strings', () => {
    expect(CatchUpQuery.parse({ target_username: 'maya', since: '1767636000000' })).toEqual({
      target_username: 'maya',
      since: 1767636000000,
    });
    expect(HistoryDetailQuery.parse({})).toEqual({ page: 1, per_page: 50 });
    expect(HistoryDetailQuery.safeParse({ per_page: '500' }).success).toBe(false);
  });

  it('requires both token and state on the auth callback', () => {
    expect(AuthCallbackQuery.safeParse({ token: 'FyEklwB1ZLpvFYd1BvBO76rzRWz4ThuT' }).success).toBe(
      false,
    );
  });
});

describe('responses', () => {
  it('describes a guest with no follow', () => {
    const idle = {
      state: 'not_started',
      follow_id: null,
      target_username: null,
      target_image_url: null,
      mirror_now_playing: false,
      scrobble_count: 0,
      counts: { pending: 0, mirrored: 0, ignored: 0, held: 0 },
      recent_scrobbles: [],
      last_poll: null,
      now_playing: null,
      stop_reason: null,
      pause_reason: null,
      held_until: null,
      started_at: null,
      ended_at: null,
    };
    expect(StatusResponse.parse(idle)).toEqual(idle);
  });

  it('refuses an error body with a code outside the list', () => {
    expect(ErrorBody.safeParse({ error: 'x', code: 'TEAPOT' }).success).toBe(false);
    expect(ErrorBody.parse({ error: 'x', code: 'RATE_LIMIT' })).toEqual({
      error: 'x',
      code: 'RATE_LIMIT',
    });
  });
});

describe('parseSessionEvent', () => {
  it('parses every known event name and a null now_playing', () => {
    expect(SESSION_EVENT_NAMES).toEqual([
      'mirrored',
      'ignored',
      'now_playing',
      'state_changed',
      'held',
    ]);
    expect(parseSessionEvent('now_playing', null)).toEqual({ event: 'now_playing', data: null });
    expect(parseSessionEvent('held', { follow_id: 'f1', until: 1767657600000 })).toEqual({
      event: 'held',
      data: { follow_id: 'f1', until: 1767657600000 },
    });
  });

  it('returns null for unknown names, prototype keys and bodies that do not fit', () => {
    expect(parseSessionEvent('toString', {})).toBeNull();
    expect(parseSessionEvent('exploded', {})).toBeNull();
    expect(parseSessionEvent('mirrored', { follow_id: 'f1' })).toBeNull();
  });
});
