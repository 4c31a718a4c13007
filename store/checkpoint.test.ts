/** `checkpointDue`: the checkpointer's two triggers, time and log size. */
import { expect, it } from 'vitest';
import { MINUTE_MS } from '../lib/clock.js';
import { CHECKPOINT_TIMEOUT_MS, CHECKPOINT_WAL_BYTES, checkpointDue } from './checkpoint.js';

it('checkpoints once the timeout has passed with log written since', () => {
  expect(CHECKPOINT_TIMEOUT_MS).toBe(5 * MINUTE_MS);
  expect(checkpointDue(50_000, CHECKPOINT_TIMEOUT_MS - 1)).toBe(false);
  expect(checkpointDue(50_000, CHECKPOINT_TIMEOUT_MS)).toBe(true);
});

it('does not checkpoint an idle store, whose only log is the last checkpoint record', () => {
  expect(checkpointDue(120, 10 * CHECKPOINT_TIMEOUT_MS)).toBe(false);
  expect(checkpointDue(0, 10 * CHECKPOINT_TIMEOUT_MS)).toBe(false);
});

it('checkpoints at once when the log since the last passes max_wal_size', () => {
  expect(checkpointDue(CHECKPOINT_WAL_BYTES - 1, 0)).toBe(false);
  expect(checkpointDue(CHECKPOINT_WAL_BYTES, 0)).toBe(true);
});
