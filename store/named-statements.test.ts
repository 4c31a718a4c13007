/** `statementNamer`: which statement texts get a name, and when. */
import { describe, expect, it } from 'vitest';
import { statementNamer } from './named-statements.js';

describe('statementNamer', () => {
  it('names a data statement from its second run on, always by the same name', () => {
    const namer = statementNamer();
    const text = 'select * from "hosts" where "id" = $1';
    expect(namer.name(text)).toBeUndefined();
    const name = namer.name(text);
    expect(name).toMatch(/^lasso_\d+$/);
    expect(namer.name(text)).toBe(name);
    expect(namer.nameOf(text)).toBe(name);
    expect(namer.size).toBe(1);
  });

  it('gives each text its own name', () => {
    const namer = statementNamer({ minUses: 1 });
    const names = [
      'SELECT 1',
      'insert into t values ($1)',
      'UPDATE t SET a = $1',
      ' with x as (select 1) select * from x',
      'delete from t',
    ].map((text) => namer.name(text));
    expect(new Set(names).size).toBe(5);
    expect(names.every((n) => n !== undefined)).toBe(true);
  });

  it('never names transaction control, DDL or maintenance', () => {
    const namer = statementNamer({ minUses: 1 });
    for (const text of [
      'begin',
      'COMMIT',
      'rollback',
      'savepoint s1',
      'CREATE TABLE t (a int)',
      'VACUUM t',
      'LISTEN c',
      'selection',
    ]) {
      expect(namer.name(text)).toBeUndefined();
      expect(namer.name(text)).toBeUndefined();
    }
    expect(namer.size).toBe(0);
  });

  it('stops naming new texts at the cap, and keeps the names it gave', () => {
    const namer = statementNamer({ minUses: 1, maxStatements: 3 });
    const given = [1, 2, 3].map((i) => namer.name(`select ${i}`));
    expect(namer.name('select 4')).toBeUndefined();
    expect([1, 2, 3].map((i) => namer.name(`select ${i}`))).toEqual(given);
    expect(namer.size).toBe(3);
  });

  it('forgets the run counts of texts seen once when they pile up, never a name', () => {
    const namer = statementNamer({ maxStatements: 2 });
    namer.name('select 0');
    // 4 × the cap of one-off texts: the counts are cleared, so `select 0` starts again.
    for (let i = 1; i <= 8; i++) namer.name(`select ${i}`);
    expect(namer.name('select 0')).toBeUndefined();
    expect(namer.name('select 0')).toBeDefined();
  });
});
