import { describe, expect, it } from 'vitest';
import { parseInt8, storeTypes } from './type-parsers.js';

describe('parseInt8', () => {
  it('parses bigint text within the safe integer range', () => {
    expect(parseInt8('0')).toBe(0);
    expect(parseInt8('-42')).toBe(-42);
    expect(parseInt8('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws rather than round a bigint beyond 2^53', () => {
    expect(() => parseInt8('9007199254740993')).toThrow(RangeError);
  });

  it('leaves other types to node-postgres (timestamptz → Date)', () => {
    const parse = storeTypes.getTypeParser(1184, 'text') as (text: string) => unknown;
    expect(parse('2026-01-05 18:00:00+00')).toEqual(new Date(Date.UTC(2026, 0, 5, 18)));
  });
});
