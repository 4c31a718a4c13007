/**
 * The engine's settings in force: its defaults with what Lasso's configuration overrides. One
 * place, so the engine `runtime.ts` starts and the limits GET /api/info shows cannot differ.
 */
import { engineConfig, type EngineConfig } from '../engine/config.js';
import type { Config } from './config.js';

/** The checked engine configuration for `config` (throws `EngineConfigError` when out of range). */
export function engineSettings(config: Pick<Config, 'engine'>): EngineConfig {
  const { pollingIntervalMs, idleStopMinutes, maxFollowHours, historyDays } = config.engine;
  return engineConfig({ pollingIntervalMs, idleStopMinutes, maxFollowHours, historyDays });
}
