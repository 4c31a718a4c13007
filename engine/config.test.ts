import { describe, expect, it } from 'vitest';
import { defaultEngineConfig, engineConfig, EngineConfigError } from './config.js';

describe('engineConfig', () => {
  it('has the documented defaults', () => {
    expect(defaultEngineConfig).toMatchObject({
      pollingIntervalMs: 20_000,
      idleStopMinutes: 30,
      maxFollowHours: 12,
      guardIntervalMs: 30 * 60_000,
      catchUpMaxHours: 12,
      catchUpMaxScrobbles: 50,
      batchSize: 50,
      historyDays: 30,
    });
    expect(engineConfig()).toEqual(defaultEngineConfig);
  });

  it('applies overrides', () => {
    expect(engineConfig({ pollingIntervalMs: 1000 }).pollingIntervalMs).toBe(1000);
  });

  it('reports every bad field at once', () => {
    try {
      engineConfig({ pollingIntervalMs: 999, batchSize: 51, graceMs: Number.NaN });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EngineConfigError);
      expect((e as EngineConfigError).problems).toEqual([
        'pollingIntervalMs must be >= 1000',
        'graceMs must be a finite number',
        'batchSize must be <= 50',
      ]);
    }
  });

  it('takes historyDays 0 (delete as soon as possible) and refuses a negative one', () => {
    expect(engineConfig({ historyDays: 0 }).historyDays).toBe(0);
    expect(() => engineConfig({ historyDays: -1 })).toThrow(/historyDays must be >= 0/);
  });

  it('refuses a look gap across an uncertain start under a second', () => {
    expect(engineConfig({ startSpanGapMs: 1000 }).startSpanGapMs).toBe(1000);
    expect(() => engineConfig({ startSpanGapMs: 0 })).toThrow(/startSpanGapMs must be >= 1000/);
  });

  it('refuses a back-off cap below its base', () => {
    expect(() => engineConfig({ submitBackoff: { baseMs: 10, capMs: 5 } })).toThrow(
      /submitBackoff.capMs/,
    );
  });
});
