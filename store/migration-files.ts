/**
 * The migration files, `store/migrations/NNN_name.sql`: found and read, apart from `migrate.ts`
 * and its Kysely, so that the PGlite worker can check its start-up snapshot against them without
 * loading Kysely (~0.2 s of a demo start, bench:start).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One migration file: `name` is the file name without `.sql`, e.g. `001_initial`. */
export interface Migration {
  name: string;
  sql: string;
}

const FILE_NAME = /^(\d{3,})_[a-z0-9_]+\.sql$/;

/**
 * The migrations folder. Next to this module when run from source; `dist/store/` has no SQL
 * files (tsc does not copy them), so from there it is the source tree's `store/migrations`.
 */
export function migrationsDir(): string {
  const here = fileURLToPath(new URL('./migrations/', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../store/migrations/', import.meta.url));
}

/** Reads every migration file, sorted by name. Rejects a misnamed file or a repeated number. */
export async function loadMigrations(dir: string = migrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<string>();
  const migrations: Migration[] = [];
  for (const file of files) {
    const number = FILE_NAME.exec(file)?.[1];
    if (number === undefined)
      throw new Error(`bad migration file name: ${file} (want NNN_name.sql)`);
    if (seen.has(number)) throw new Error(`two migrations numbered ${number}`);
    seen.add(number);
    migrations.push({ name: file.slice(0, -4), sql: await readFile(path.join(dir, file), 'utf8') });
  }
  return migrations;
}
