import { describe, expect, it } from 'vitest';
import { capName, cleanText, NAME_MAX_BYTES, utf8Bytes } from './text.js';

describe('cleanText', () => {
  it('drops U+0000 and keeps everything else as it is', () => {
    expect(cleanText('bad\u0000name\u0000')).toBe('badname');
    expect(cleanText('Sigur Rós – Hoppípolla 🎶')).toBe('Sigur Rós – Hoppípolla 🎶');
  });

  it('turns a lone surrogate, high or low, into U+FFFD and leaves pairs whole', () => {
    expect(cleanText('a\uD800b')).toBe('a\uFFFDb');
    expect(cleanText('a\uDC00b')).toBe('a\uFFFDb');
    expect(cleanText('end\uD83C')).toBe('end\uFFFD');
    expect(cleanText('\uDFB6\uD83C\uDFB6')).toBe('\uFFFD🎶');
    expect(cleanText('🎶')).toBe('🎶');
    // What the database driver would have sent: the same bytes.
    expect(Buffer.from(cleanText('a\uD800b'), 'utf8')).toEqual(Buffer.from('a\uD800b', 'utf8'));
  });
});

describe('capName', () => {
  it('keeps a name that fits, to the byte', () => {
    const fits = 'é'.repeat(NAME_MAX_BYTES / 2);
    expect(utf8Bytes(fits)).toBe(NAME_MAX_BYTES);
    expect(capName(fits)).toEqual({ name: fits, over: false });
  });

  it('cuts a longer one at a character boundary, ends it with "…" and says so', () => {
    const { name, over } = capName('x'.repeat(300_000));
    expect(over).toBe(true);
    expect(name.endsWith('…')).toBe(true);
    expect(utf8Bytes(name)).toBe(NAME_MAX_BYTES);
    expect(capName(`${'é'.repeat(NAME_MAX_BYTES / 2)}e`).over).toBe(true);
  });

  it('never splits a 4-byte character: the cut is well-formed and within the limit', () => {
    const { name } = capName(`a${'🎶'.repeat(1000)}`);
    expect(name).toBe(`a${'🎶'.repeat(199)}…`);
    expect(cleanText(name)).toBe(name);
    expect(utf8Bytes(name)).toBeLessThanOrEqual(NAME_MAX_BYTES);
  });

  it('counts the name after cleaning it', () => {
    expect(capName(`${'x'.repeat(NAME_MAX_BYTES)}\u0000`)).toEqual({
      name: 'x'.repeat(NAME_MAX_BYTES),
      over: false,
    });
  });

  it('keeps the lowercased name within the duration cache key too (at most half again)', () => {
    for (const c of ['Ⱥ', 'İ', 'A', 'Ж', '中', '🎶']) {
      const { name } = capName(c.repeat(NAME_MAX_BYTES));
      expect(utf8Bytes(name.toLowerCase())).toBeLessThanOrEqual(NAME_MAX_BYTES * 1.5);
    }
  });
});
