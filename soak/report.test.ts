import { describe, expect, it } from 'vitest';
import { aimedAt, killAim } from './report.js';

describe('kill aims', () => {
  it('takes turns: a submission, a poll, any moment', () => {
    expect([0, 1, 2, 3, 4].map(killAim)).toEqual([
      'submission',
      'poll',
      'anytime',
      'submission',
      'poll',
    ]);
  });

  it('knows a submission by its form body and a poll of the host by its request line', () => {
    const body = 'api_key=K&artist=Bj%C3%B6rk&method=track.scrobble&sk=S&api_sig=x';
    expect(aimedAt(body, 'submission', 'soak_host')).toBe(true);
    expect(aimedAt('POST /2.0/ HTTP/1.1\r\nhost: x\r\n\r\n', 'submission', 'soak_host')).toBe(
      false,
    );
    const poll = 'GET /2.0/?method=user.getRecentTracks&user=soak_host&from=17&limit=200 HTTP/1.1';
    expect(aimedAt(poll, 'poll', 'soak_host')).toBe(true);
    // A guest's start reads the newest track only; another user is not the host.
    expect(aimedAt(poll.replace('&from=17', ''), 'poll', 'soak_host')).toBe(false);
    expect(aimedAt(poll, 'poll', 'other_host')).toBe(false);
    expect(aimedAt(body, 'poll', 'soak_host')).toBe(false);
    expect(aimedAt('', 'anytime', 'soak_host')).toBe(true);
  });
});
