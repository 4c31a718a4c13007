import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrationsDir } from './migrate.js';

describe('loadMigrations', () => {
  const dirs: string[] = [];
  const folderWith = async (files: Record<string, string>): Promise<string> => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lasso-migrations-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reads NNN_name.sql files in number order and ignores other files', async () => {
    const dir = await folderWith({ '002_b.sql': 'B', '001_a.sql': 'A', 'README.md': 'x' });
    expect(await loadMigrations(dir)).toEqual([
      { name: '001_a', sql: 'A' },
      { name: '002_b', sql: 'B' },
    ]);
  });

  it('refuses a misnamed file and a repeated number', async () => {
    await expect(loadMigrations(await folderWith({ '1_a.sql': '' }))).rejects.toThrow(
      /bad migration file name/,
    );
    await expect(
      loadMigrations(await folderWith({ '001_a.sql': '', '001_b.sql': '' })),
    ).rejects.toThrow(/two migrations numbered 001/);
  });

  it('finds the project migrations, starting with 001_initial', async () => {
    const migrations = await loadMigrations(migrationsDir());
    expect(migrations[0]?.name).toBe('001_initial');
  });
});
