import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, embeddedSource, onDisk } from './pglite-start.js';

describe('embeddedSource', () => {
  it('names the folder when no URL is given, ./data by default', () => {
    expect(embeddedSource({})).toEqual({ dataDir: DEFAULT_DATA_DIR });
    expect(embeddedSource({ url: '' })).toEqual({ dataDir: DEFAULT_DATA_DIR });
    expect(embeddedSource({ dataDir: '/var/lib/lasso' })).toEqual({ dataDir: '/var/lib/lasso' });
  });

  it('keeps memory:// in memory, whatever the folder', () => {
    expect(embeddedSource({ url: 'memory://', dataDir: '/var/lib/lasso' })).toEqual({
      dataDir: 'memory://',
    });
  });

  it('is null for a server URL, so no PGlite starts for it', () => {
    expect(embeddedSource({ url: 'postgres://lasso@db/lasso', dataDir: './data' })).toBeNull();
    expect(embeddedSource({ url: 'postgresql://lasso@db/lasso' })).toBeNull();
  });
});

describe('onDisk', () => {
  it('is true for a folder only', () => {
    expect(onDisk({ dataDir: './data' })).toBe(true);
    expect(onDisk({ dataDir: 'memory://' })).toBe(false);
    expect(onDisk({ loadDataDir: new Blob([]) })).toBe(false);
  });
});
