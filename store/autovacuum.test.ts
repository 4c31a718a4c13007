/** `upkeepFor`: PostgreSQL's autovacuum thresholds, table by table. */
import { describe, expect, it } from 'vitest';
import { upkeepFor, type TableActivity } from './autovacuum.js';

const table = (o: Partial<TableActivity>): TableActivity => ({
  table: 't',
  live: 0,
  dead: 0,
  insertedSinceVacuum: 0,
  modifiedSinceAnalyze: 0,
  ...o,
});

describe('upkeepFor', () => {
  it('leaves a table alone below every threshold', () => {
    expect(upkeepFor(table({}))).toBeNull();
    // 1,000 rows: vacuum past 50 + 200 dead, 1,000 + 200 inserted; analyse past 50 + 100 changed.
    expect(
      upkeepFor(
        table({ live: 1000, dead: 250, insertedSinceVacuum: 1200, modifiedSinceAnalyze: 150 }),
      ),
    ).toBeNull();
  });

  it('vacuums past the dead-row threshold, which grows with the table', () => {
    expect(upkeepFor(table({ live: 1000, dead: 251 }))).toBe('vacuum');
    expect(upkeepFor(table({ live: 10_000, dead: 251 }))).toBeNull();
    expect(upkeepFor(table({ live: 10_000, dead: 2051 }))).toBe('vacuum');
  });

  it('vacuums a table that only grows, past the insert threshold', () => {
    expect(upkeepFor(table({ live: 1000, insertedSinceVacuum: 1201 }))).toBe('vacuum');
  });

  it('analyses past the changed-row threshold, and does both when both are due', () => {
    expect(upkeepFor(table({ live: 1000, modifiedSinceAnalyze: 151 }))).toBe('analyze');
    expect(upkeepFor(table({ live: 0, modifiedSinceAnalyze: 51 }))).toBe('analyze');
    expect(upkeepFor(table({ live: 1000, dead: 251, modifiedSinceAnalyze: 151 }))).toBe(
      'vacuum-analyze',
    );
  });
});
