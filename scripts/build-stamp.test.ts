import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listFiles, stamp } from './build-stamp.mjs';

describe('build stamps', () => {
  let root = '';
  const put = async (file: string, text: string): Promise<void> => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  };
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lasso-build-stamp-'));
    await put('src/a.ts', 'A');
    await put('src/deep/b.ts', 'B');
    await put('src/a.test.ts', 'T');
    await put('src/node_modules/x.ts', 'X');
    await put('out/main.js', 'built');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const inputs = (): string[] => listFiles(root, ['src'], (f) => !f.endsWith('.test.ts'));
  const built = (): ReturnType<typeof stamp> => {
    const s = stamp(root, 'step', { inputs: inputs(), outputs: ['out/main.js'] });
    s.begin();
    s.record();
    return stamp(root, 'step', { inputs: inputs(), outputs: ['out/main.js'] });
  };

  it('lists the files a filter keeps, sorted, never inside node_modules', () => {
    expect(inputs()).toEqual(['src/a.ts', 'src/deep/b.ts']);
    expect(listFiles(root, ['nowhere'])).toEqual([]);
  });

  it('says a step never built must run, and one just built need not', () => {
    expect(stamp(root, 'step', { inputs: inputs(), outputs: ['out/main.js'] }).staleReason()).toBe(
      'not built yet',
    );
    expect(built().staleReason()).toBeNull();
  });

  it('sees a changed input even when its size and time would not tell', async () => {
    built();
    await put('src/deep/b.ts', 'C');
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'changed: src/deep/b.ts',
    );
  });

  it('sees an added and a removed input, and a missing output', async () => {
    built();
    await put('src/new.ts', 'N');
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'new input src/new.ts',
    );
    await rm(path.join(root, 'src/new.ts'));
    await rm(path.join(root, 'src/a.ts'));
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'input src/a.ts is gone',
    );
    await put('src/a.ts', 'A');
    await rm(path.join(root, 'out/main.js'));
    expect(stamp(root, 'step', { inputs: inputs(), outputs: ['out/main.js'] }).staleReason()).toBe(
      'out/main.js is missing',
    );
  });

  it('checks the extra files the step reported reading, even when they are gone', async () => {
    await put('lib/shared.ts', 'S');
    const s = stamp(root, 'step', { inputs: inputs(), outputs: [] });
    s.begin();
    s.record(['lib/shared.ts']);
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBeNull();
    await put('lib/shared.ts', 'S2');
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'changed: lib/shared.ts',
    );
    await rm(path.join(root, 'lib/shared.ts'));
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'changed: lib/shared.ts',
    );
  });

  it('records the inputs as they were when the step began, so an edit during it counts', async () => {
    const s = stamp(root, 'step', { inputs: inputs(), outputs: [] });
    s.begin();
    await put('src/a.ts', 'edited while building');
    s.record();
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'changed: src/a.ts',
    );
  });

  it('leaves no stamp when a step began and did not finish', () => {
    built();
    stamp(root, 'step', { inputs: inputs(), outputs: [] }).begin();
    expect(stamp(root, 'step', { inputs: inputs(), outputs: [] }).staleReason()).toBe(
      'not built yet',
    );
  });
});
