/**
 * How node-postgres turns column text into JS values, for both drivers. PGlite is reached through
 * the same `pg` client (via `@electric-sql/pglite/node-postgres`), so one table serves both.
 * Passed per pool (`types` option), never set on the global `pg.types`, so nothing else in the
 * process changes behaviour by importing the store.
 */
import pg from 'pg';

type Parser = (text: string) => unknown;
const INT8_OID = 20;
// pg-types' TypeId enum names no array types; this is Postgres's `_int8`.
const INT8_ARRAY_OID = 1016;

function pgParser(oid: number, format: 'text' | 'binary' = 'text'): Parser {
  const parser: unknown = pg.types.getTypeParser(oid, format);
  return parser as Parser;
}

/**
 * bigint → number. Ids and UNIX seconds stay far below 2^53; a value that does not fit is an error
 * rather than a silently rounded number.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit a JS number`);
  return value;
}

const parseInt8Array = (text: string): (number | null)[] => {
  const strings = pgParser(INT8_ARRAY_OID)(text) as (string | null)[];
  return strings.map((s) => (s === null ? null : parseInt8(s)));
};

/** The `types` option of a `pg.Pool`/`pg.Client`: int8 as number, the rest as `pg` does (timestamptz → Date). */
export const storeTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): Parser => {
    if (format !== 'binary') {
      if (oid === INT8_OID) return parseInt8;
      if (oid === INT8_ARRAY_OID) return parseInt8Array;
    }
    return pgParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};
