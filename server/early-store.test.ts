import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { earlyPgliteSource, sameSource } from './early-store.js';

const KEYED = { LASTFM_API_KEY: 'k', LASTFM_API_SECRET: 's' };
const hasDb = (): boolean => true;
const noDb = (): boolean => false;

describe('earlyPgliteSource', () => {
  it('starts nothing for a PostgreSQL server', () => {
    expect(earlyPgliteSource({ DATABASE_URL: 'postgres://db/lasso' }, hasDb)).toBeNull();
    expect(earlyPgliteSource({ ...KEYED, DATABASE_URL: 'postgres://db/lasso' }, hasDb)).toBeNull();
  });

  it("guesses demo mode's in-memory store without a Last.fm key outside production", () => {
    expect(earlyPgliteSource({}, noDb)).toEqual({ dataDir: 'memory://' });
    expect(earlyPgliteSource({ ENVIRONMENT: 'development', DATA_DIR: '/x' }, hasDb)).toEqual({
      dataDir: 'memory://',
    });
  });

  it('opens a data folder early only when PostgreSQL already made one there', () => {
    expect(earlyPgliteSource({ ...KEYED, DATA_DIR: '/srv/lasso' }, hasDb)).toEqual({
      dataDir: '/srv/lasso',
    });
    expect(earlyPgliteSource({ ...KEYED }, hasDb)).toEqual({ dataDir: './data' });
    // A fresh folder is filled from the snapshot only after the configuration is read.
    expect(earlyPgliteSource({ ...KEYED, DATA_DIR: '/srv/lasso' }, noDb)).toBeNull();
    expect(earlyPgliteSource({ ENVIRONMENT: 'production', DATA_DIR: '/srv/lasso' }, noDb)).toBe(
      null,
    );
  });

  it("agrees with the configuration's store for the environments it guesses", () => {
    const secret = { SESSION_SECRET: 'x'.repeat(64) };
    for (const env of [
      { ...secret },
      { ...secret, ...KEYED, DATA_DIR: '/srv/lasso' },
      { ...secret, ...KEYED },
    ]) {
      const config = loadConfig(env);
      const guess = earlyPgliteSource(env, hasDb);
      const configured = config.demo ? 'memory://' : config.database.dataDir;
      expect(guess).toEqual({ dataDir: configured });
    }
  });
});

describe('sameSource', () => {
  it('compares folders by their resolved path, and memory:// only with itself', () => {
    expect(sameSource({ dataDir: './data' }, { dataDir: `${process.cwd()}/data` })).toBe(true);
    expect(sameSource({ dataDir: './data' }, { dataDir: './other' })).toBe(false);
    expect(sameSource({ dataDir: 'memory://' }, { dataDir: 'memory://' })).toBe(true);
    expect(sameSource({ dataDir: 'memory://' }, { dataDir: './data' })).toBe(false);
    expect(sameSource({ loadDataDir: new Blob([]) }, { dataDir: './data' })).toBe(false);
  });
});
