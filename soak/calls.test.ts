import { describe, expect, it } from 'vitest';
import { busiestSpan, PortLog, pollOverlaps, takeovers, type AttributedCall } from './calls.js';

let seq = 0;
const poll = (by: string, user: string, at: number, answeredAt: number | null): AttributedCall => ({
  seq: ++seq,
  at,
  method: 'user.getRecentTracks',
  user,
  api_key: 'k',
  status: 200,
  client: null,
  answered_at: answeredAt,
  by,
});

describe('busiestSpan', () => {
  it('counts the most calls arriving within any span of the given length', () => {
    const calls = [0, 100, 4_999, 5_000, 5_001, 9_000].map((at) => ({ at }));
    expect(busiestSpan(calls, 5_000)).toEqual({ count: 4, from: 100 });
    expect(busiestSpan([], 5_000).count).toBe(0);
  });
});

describe('PortLog', () => {
  it('names the process whose connection used a port at that moment, ports being reused', () => {
    const ports = new PortLog();
    ports.record(5000, 'A', 100);
    ports.record(5000, 'C', 900);
    expect(ports.nameOf('127.0.0.1:5000', 500)).toBe('A');
    expect(ports.nameOf('::ffff:127.0.0.1:5000', 950)).toBe('C');
    expect(ports.nameOf('127.0.0.1:5001', 950)).toBeNull();
    expect(ports.nameOf(null, 950)).toBeNull();
  });
});

describe('pollOverlaps', () => {
  const hosts = new Set(['h']);

  it('finds a poll that began before another process had its answer', () => {
    const found = pollOverlaps([poll('A', 'h', 0, 500), poll('B', 'h', 400, 600)], hosts, []);
    expect(found).toEqual([
      { host: 'h', first: { by: 'A', at: 0, answeredAt: 500 }, second: { by: 'B', at: 400 } },
    ]);
  });

  it('finds it behind a shorter call of the first process', () => {
    const calls = [poll('A', 'h', 0, 900), poll('A', 'h', 10, 20), poll('B', 'h', 400, 600)];
    expect(pollOverlaps(calls, hosts, [])).toHaveLength(1);
  });

  it('accepts polls one after the other, calls of one process, and a guest request read', () => {
    expect(pollOverlaps([poll('A', 'h', 0, 500), poll('B', 'h', 501, 600)], hosts, [])).toEqual([]);
    expect(pollOverlaps([poll('A', 'h', 0, 500), poll('A', 'h', 100, 200)], hosts, [])).toEqual([]);
    const excuse = { by: 'B', host: 'h', fromMs: 350, toMs: 450 };
    expect(
      pollOverlaps([poll('A', 'h', 0, 500), poll('B', 'h', 400, 420)], hosts, [excuse]),
    ).toEqual([]);
  });
});

describe('takeovers', () => {
  it('finds the first poll of each held host by another process after the kill', () => {
    const calls = [
      poll('B', 'h', 900, 950),
      poll('B', 'h', 1100, 1150),
      poll('C', 'h', 1120, 1130),
      poll('A', 'h', 1200, 1250),
    ];
    // C's read at 1120 was a guest's start through C, not a poll.
    const excuse = { by: 'C', host: 'h', fromMs: 1110, toMs: 1140 };
    expect(
      takeovers(
        calls,
        [
          { host: 'h', until: 1150 },
          { host: 'g', until: 1150 },
        ],
        'B',
        1000,
        [excuse],
      ),
    ).toEqual([
      { host: 'h', leaseUntil: 1150, polledAt: 1200, by: 'A' },
      { host: 'g', leaseUntil: 1150, polledAt: null, by: null },
    ]);
  });
});
