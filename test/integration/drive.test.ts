import { describe, expect, it } from 'vitest';
import { ManualClock, SECOND_MS } from '../../lib/clock.js';
import { driveUntilSettled } from './drive.js';

describe('driveUntilSettled', () => {
  it('moves the clock in steps until a sleeping task finishes', async () => {
    const clock = new ManualClock(0);
    const task = (async () => {
      await clock.sleep(2_500);
      await clock.sleep(1_000);
      return 'done';
    })();
    await expect(driveUntilSettled(clock, task)).resolves.toBe('done');
    expect(clock.now()).toBe(4 * SECOND_MS);
  });

  it('waits for real I/O without moving the clock while nobody sleeps', async () => {
    const clock = new ManualClock(0);
    const io = new Promise<number>((resolve) => setTimeout(() => resolve(7), 20));
    await expect(driveUntilSettled(clock, io)).resolves.toBe(7);
    expect(clock.now()).toBe(0);
  });

  it('passes a rejection through', async () => {
    const clock = new ManualClock(0);
    const task = (async () => {
      await clock.sleep(500);
      throw new Error('boom');
    })();
    await expect(driveUntilSettled(clock, task)).rejects.toThrow('boom');
  });

  it('gives up once the clock has moved maxAdvanceMs', async () => {
    const clock = new ManualClock(0);
    const forever = clock.sleep(10 * 60 * SECOND_MS);
    await expect(driveUntilSettled(clock, forever, { maxAdvanceMs: 5_000 })).rejects.toThrow(
      /still pending after 5000 ms/,
    );
  });
});
