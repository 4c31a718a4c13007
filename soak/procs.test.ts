import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { distProblem } from './procs.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'lasso-soak-dist-'));
  await mkdir(path.join(root, 'server'), { recursive: true });
  await writeFile(path.join(root, 'server', 'main.ts'), '');
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function built(): Promise<void> {
  for (const f of ['dist/server/main.js', 'dist/emulator/main.js']) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), '');
  }
}

describe('distProblem', () => {
  it('says the build is missing', async () => {
    expect(distProblem(root)).toEqual({
      missing: true,
      message: expect.stringContaining('dist/server/main.js and dist/emulator/main.js missing'),
    });
  });

  it('says which source is newer than the build, and nothing once built after it', async () => {
    await built();
    const past = new Date(Date.now() - 60_000);
    for (const f of ['dist/server/main.js', 'dist/emulator/main.js']) {
      await utimes(path.join(root, f), past, past);
    }
    expect(distProblem(root)).toEqual({
      missing: false,
      message: expect.stringContaining(path.join('server', 'main.ts')),
    });
    await built();
    expect(distProblem(root)).toBeNull();
  });
});
