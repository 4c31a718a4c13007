import { describe, expect, it } from 'vitest';
import { Timeline } from './timeline.js';

describe('Timeline', () => {
  it('hands out due events by time, then rank, then insertion order', () => {
    const tl = new Timeline();
    const seen: string[] = [];
    const add = (at: number, rank: number, name: string) =>
      tl.add({ at, rank, kind: 'host', run: () => void seen.push(name) });
    add(30, 0, 'c');
    add(10, 2, 'b2');
    add(10, 1, 'a');
    add(10, 2, 'b3');
    add(20, 0, 'd');
    expect(tl.nextAt()).toBe(10);
    for (let ev = tl.takeDue(20); ev; ev = tl.takeDue(20)) void ev.run();
    expect(seen).toEqual(['a', 'b2', 'b3', 'd']);
    expect(tl.takeDue(29)).toBeNull();
    expect(tl.size).toBe(1);
  });
});
