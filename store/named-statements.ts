/**
 * Prepared statements for the embedded store. Kysely sends every query as an unnamed statement,
 * so PostgreSQL parses, analyses and plans its text at every execution. On PGlite, where each
 * statement runs in WebAssembly on one backend, that is about half the cost of a primary-key
 * lookup. `namedStatementPool` wraps the pool Kysely talks to: a statement text seen
 * `minUses` times gets a name, and from then on `pg` sends it as that named statement, which
 * the backend parsed once and keeps (its plan too, once PostgreSQL's plan cache finds a generic
 * plan as good as custom ones: a parameter that decides an index is still planned for each
 * value). `pg` parses a named statement on a connection the first time it runs there, so a
 * replaced connection just parses again.
 *
 * Bounded: at most `maxStatements` names, given for good (a name is never reused for another
 * text, so there is nothing to deallocate), and only to data statements (SELECT, INSERT,
 * UPDATE, DELETE, WITH): never to transaction control or DDL. Texts that differ only in the
 * number of values (an `IN` list, a `VALUES` batch) are different statements: the common sizes
 * get names, the rest keep running unnamed once the cap is reached.
 */
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** How many statement texts get a name, at most. */
export const MAX_NAMED_STATEMENTS = 256;
/** How many runs of one text before it gets a name (one-off statements stay unnamed). */
export const NAMED_STATEMENT_MIN_USES = 2;

const DATA_STATEMENT = /^\s*(select|insert|update|delete|with)\b/i;

/** Options of `namedStatementPool`. */
export interface NamedStatementOptions {
  maxStatements?: number;
  minUses?: number;
}

/** The names given so far, for tests and the bench. */
export interface StatementNames {
  readonly size: number;
  nameOf(text: string): string | undefined;
}

/**
 * Names statement texts: `name(text)` is the text's name once it has run `minUses` times (and
 * while names are left), else undefined.
 */
export function statementNamer(options: NamedStatementOptions = {}): StatementNames & {
  name(text: string): string | undefined;
} {
  const max = options.maxStatements ?? MAX_NAMED_STATEMENTS;
  const minUses = options.minUses ?? NAMED_STATEMENT_MIN_USES;
  const names = new Map<string, string>();
  // Runs of texts not named yet; cleared when it grows, so one-off texts cannot pile up.
  const uses = new Map<string, number>();
  return {
    get size() {
      return names.size;
    },
    nameOf: (text) => names.get(text),
    name(text) {
      const named = names.get(text);
      if (named !== undefined) return named;
      if (names.size >= max || !DATA_STATEMENT.test(text)) return undefined;
      const seen = (uses.get(text) ?? 0) + 1;
      if (seen < minUses) {
        if (uses.size >= 4 * max) uses.clear();
        uses.set(text, seen);
        return undefined;
      }
      uses.delete(text);
      const name = `lasso_${names.size + 1}`;
      names.set(text, name);
      return name;
    },
  };
}

/** `pool`, with each client's `query(text, values)` sent as a named statement once it has one. */
export function namedStatementPool(
  pool: pg.Pool,
  namer: ReturnType<typeof statementNamer> = statementNamer(),
): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const known = wrapped.get(client);
    if (known) return known;
    const naming: PostgresPoolClient = {
      query: ((textOrCursor: unknown, values?: readonly unknown[]) => {
        if (typeof textOrCursor !== 'string') {
          return client.query(textOrCursor as pg.Submittable);
        }
        const name = namer.name(textOrCursor);
        const config: pg.QueryConfig = {
          text: textOrCursor,
          values: values === undefined ? [] : [...values],
        };
        if (name !== undefined) config.name = name;
        return client.query(config) as Promise<PostgresQueryResult<unknown>>;
      }) as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy),
    };
    wrapped.set(client, naming);
    return naming;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
