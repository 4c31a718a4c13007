import { describe, expect, it } from 'vitest';
import { openFileProblem, parseOpenFileLimits } from './open-files.js';

const limitsText = (soft: string, hard: string): string =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             95864                95864                processes ',
    `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     `,
    'Max locked memory         8388608              8388608              bytes     ',
  ].join('\n');

describe('parseOpenFileLimits', () => {
  it('reads the soft and hard limits of the "Max open files" line', () => {
    expect(parseOpenFileLimits(limitsText('1024', '1048576'))).toEqual({
      soft: 1024,
      hard: 1048576,
    });
  });

  it('reads "unlimited" as Infinity', () => {
    expect(parseOpenFileLimits(limitsText('4096', 'unlimited'))).toEqual({
      soft: 4096,
      hard: Infinity,
    });
  });

  it('gives null without the line or with a value that is not a number', () => {
    expect(parseOpenFileLimits('Max processes 1 1 processes')).toBeNull();
    expect(parseOpenFileLimits(limitsText('lots', '10'))).toBeNull();
  });
});

describe('openFileProblem', () => {
  it('passes when the hard limit covers the need, whatever the soft limit (Node raises it)', () => {
    expect(openFileProblem({ soft: 1024, hard: 4096 }, 2250)).toBeNull();
    expect(openFileProblem({ soft: 2250, hard: 2250 }, 2250)).toBeNull();
  });

  it('names the limit, the need and how to raise it when the hard limit is too low', () => {
    const problem = openFileProblem({ soft: 1024, hard: 1024 }, 2250);
    expect(problem).toContain('is 1024');
    expect(problem).toContain('about 2250');
    expect(problem).toContain('ulimit -Hn 2250');
  });

  it('passes when the limits are unknown (not Linux)', () => {
    expect(openFileProblem(null, 1_000_000)).toBeNull();
  });
});
