/**
 * The migrations' CHECK lists are SQL, not TypeScript: this keeps each in step with the list the
 * code declares (`contract/constants.ts`, and the store's own unions in `schema.ts`).
 */
import { describe, expect, it } from 'vitest';
import { FOLLOW_STATES, PAUSE_REASONS, STOP_REASONS } from '../contract/constants.js';
import { loadMigrations } from './migrate.js';
import type { KeyState, OutboxState } from './schema.js';

/** Every value of a string union, checked both ways by the compiler. */
function all<T extends string>(values: { [K in T]: true }): T[] {
  return Object.keys(values) as T[];
}

const KEY_STATES = all<KeyState>({ valid: true, revoked: true, disconnected: true });
const OUTBOX_STATES = all<OutboxState>({
  pending: true,
  sending: true,
  accepted: true,
  ignored: true,
});

/** The values of every `CHECK (column IN (…))` on `column` in `sql`. */
function checkLists(sql: string, column: string): string[][] {
  const pattern = new RegExp(`CHECK \\(${column} IN \\(([^)]*)\\)\\)`, 'g');
  return [...sql.matchAll(pattern)].map((m) =>
    [...(m[1] ?? '').matchAll(/'([^']*)'/g)].map((v) => v[1] ?? ''),
  );
}

describe("the migrations' CHECK lists", () => {
  it.each([
    ['key_state', KEY_STATES, 1],
    ['stop_reason', STOP_REASONS, 1],
    ['pause_reason', PAUSE_REASONS, 1],
    // follows.state and outbox.state: told apart by their values.
    ['state', [...FOLLOW_STATES, ...OUTBOX_STATES], 2],
  ] as const)('%s allows exactly the values the code declares', async (column, values, count) => {
    const sql = (await loadMigrations()).map((m) => m.sql).join('\n');
    const lists = checkLists(sql, column);
    expect(lists).toHaveLength(count);
    expect(lists.flat().sort()).toEqual([...values].sort());
  });

  it('finds a list that differs', () => {
    const lists = checkLists("x text CHECK (stop_reason IN ('a', 'b'))", 'stop_reason');
    expect(lists).toEqual([['a', 'b']]);
    expect(lists.flat()).not.toEqual([...STOP_REASONS]);
  });
});
