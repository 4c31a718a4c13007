import { describe, expect, it } from 'vitest';
import {
  coresBetween,
  machineTicks,
  parseMachineTicks,
  parseProcessTicks,
  processTicks,
} from './proc-cpu.js';

describe('parseMachineTicks', () => {
  it('counts all but idle and I/O wait as busy, over the first eight fields', () => {
    const stat = [
      'cpu  100 5 50 1000 20 3 2 1 40 0',
      'cpu0 50 2 25 500 10 1 1 0 20 0',
      'intr 12345',
    ].join('\n');
    // user nice system idle iowait irq softirq steal = 100+5+50+1000+20+3+2+1
    expect(parseMachineTicks(stat)).toEqual({ busy: 161, total: 1181 });
  });

  it('gives null without the aggregate line', () => {
    expect(parseMachineTicks('cpu0 1 2 3 4 5 6 7 8')).toBeNull();
  });
});

describe('parseProcessTicks', () => {
  it('adds utime and stime, after a command name holding spaces and parentheses', () => {
    const fields = ['S', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '700', '45', '0'];
    expect(parseProcessTicks(`4242 (postgres: a (b) c) ${fields.join(' ')}`)).toBe(745);
  });
});

describe('coresBetween', () => {
  it('divides the ticks used by the wall time, ignoring processes not read before', () => {
    const before = new Map([
      [1, 100],
      [2, 50],
    ]);
    const after = new Map([
      [1, 300],
      [2, 150],
      [3, 999],
    ]);
    // 300 ticks = 3 s of CPU over 2 s of wall time.
    expect(coresBetween(before, after, 2000)).toBeCloseTo(1.5);
  });
});

describe.runIf(process.platform === 'linux')('reading /proc', () => {
  it('reads the machine and this process', () => {
    const machine = machineTicks();
    expect(machine?.total).toBeGreaterThan(0);
    expect(processTicks([process.pid]).get(process.pid)).toBeGreaterThanOrEqual(0);
    expect(processTicks([2 ** 30]).size).toBe(0);
  });
});
