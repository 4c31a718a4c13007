/** Every row of every table as text, to check that a secret is stored nowhere in clear. */
import { sql } from 'kysely';
import type { Db } from '../../store/db.js';

/** All rows of all tables in the `public` schema, one line per row (`bytea` as hex). */
export async function dumpDatabase(db: Db): Promise<string> {
  const tables = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(db.kysely);
  const lines: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<{
      line: string;
    }>`SELECT t::text AS line FROM ${sql.table(name)} t`.execute(db.kysely);
    for (const row of rows.rows) lines.push(`${name}: ${row.line}`);
  }
  return lines.join('\n');
}

/** The forms a secret may take in a dump: as is, hex (bytea) and base64. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [secret, bytes.toString('hex'), bytes.toString('base64')];
}
