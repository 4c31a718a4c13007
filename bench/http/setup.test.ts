import { describe, expect, it } from 'vitest';
import { inPool } from './setup.js';

describe('inPool', () => {
  it('runs at most `concurrency` at once and keeps the items’ order in the results', async () => {
    let running = 0;
    let most = 0;
    const results = await inPool([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return `${i}:${n}`;
    });
    expect(most).toBe(3);
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
  });

  it('does nothing for no items', async () => {
    expect(await inPool([], 4, () => Promise.reject(new Error('not called')))).toEqual([]);
  });
});
