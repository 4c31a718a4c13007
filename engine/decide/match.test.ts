import { describe, expect, it } from 'vitest';
import { foldName, likelySameScrobble, matchOneToOne, sameTrack } from './match.js';

describe('foldName', () => {
  it('ignores case, Latin accents and extra spaces', () => {
    expect(foldName('  Sigur  RÓS ')).toBe('sigur ros');
    expect(foldName('Beyoncé')).toBe(foldName('Beyonce'));
    expect(foldName('Bjo\u0308rk')).toBe(foldName('Björk'));
  });

  it('keeps marks that change a non-Latin word', () => {
    expect(foldName('が')).not.toBe(foldName('か'));
    expect(foldName('夜に駆ける')).toBe('夜に駆ける');
  });
});

describe('track matching', () => {
  it('sameTrack needs both names', () => {
    expect(sameTrack({ artist: 'björk', track: 'JOGA' }, { artist: 'Björk', track: 'Jóga' })).toBe(
      true,
    );
    expect(
      sameTrack({ artist: 'Björk', track: 'Hunter' }, { artist: 'Björk', track: 'Jóga' }),
    ).toBe(false);
  });

  it('likelySameScrobble needs the same second and one name', () => {
    const a = { artist: 'Björk', track: 'Jóga', timestamp: 1 };
    expect(likelySameScrobble(a, { ...a, track: 'Joga (Remastered)' })).toBe(true);
    expect(likelySameScrobble(a, { ...a, artist: 'Bjork & Friends' })).toBe(true);
    expect(likelySameScrobble(a, { ...a, timestamp: 2 })).toBe(false);
    expect(likelySameScrobble(a, { artist: 'X', track: 'Y', timestamp: 1 })).toBe(false);
  });

  it('matchOneToOne prefers exact matches and uses each candidate once', () => {
    const items = [
      { artist: 'A', track: 'x (live)', timestamp: 1 },
      { artist: 'A', track: 'x', timestamp: 1 },
      { artist: 'B', track: 'y', timestamp: 2 },
    ];
    expect([...matchOneToOne(items, [{ artist: 'A', track: 'x', timestamp: 1 }])]).toEqual([1]);
    expect(matchOneToOne(items, []).size).toBe(0);
  });
});
