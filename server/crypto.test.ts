import { describe, expect, it } from 'vitest';
import { createKeyBox, hashToken, KeyBoxError, newSessionId, safeEqual } from './crypto.js';

const SECRET = 'a-session-secret-that-is-long-enough-0123456789';
const SESSION_KEY = '_AijaIJbA789aA7NMXmanQLKalG8zqDY';

describe('createKeyBox', () => {
  it('opens what it sealed, including non-ASCII text', () => {
    const box = createKeyBox(SECRET);
    expect(box.open(box.seal(SESSION_KEY))).toBe(SESSION_KEY);
    expect(box.open(box.seal('Björk – Jóga'))).toBe('Björk – Jóga');
    expect(box.open(box.seal(''))).toBe('');
  });

  it('seals the same value differently each time (random IV)', () => {
    const box = createKeyBox(SECRET);
    expect(box.seal(SESSION_KEY).equals(box.seal(SESSION_KEY))).toBe(false);
  });

  it('never contains the plaintext or the secret', () => {
    const blob = createKeyBox(SECRET).seal(SESSION_KEY);
    for (const encoding of ['utf8', 'hex', 'base64', 'latin1'] as const) {
      expect(blob.toString(encoding)).not.toContain(SESSION_KEY);
      expect(blob.toString(encoding)).not.toContain(SECRET);
    }
    expect(blob.includes(Buffer.from(SESSION_KEY))).toBe(false);
  });

  it('refuses a blob whose any byte was changed', () => {
    const box = createKeyBox(SECRET);
    const blob = box.seal(SESSION_KEY);
    for (let i = 0; i < blob.length; i++) {
      const tampered = Buffer.from(blob);
      tampered[i] = tampered[i]! ^ 0x01;
      expect(() => box.open(tampered), `byte ${i}`).toThrow(KeyBoxError);
    }
  });

  it('refuses truncated blobs', () => {
    const box = createKeyBox(SECRET);
    const blob = box.seal(SESSION_KEY);
    expect(() => box.open(blob.subarray(0, 20))).toThrow(KeyBoxError);
    expect(() => box.open(blob.subarray(0, blob.length - 1))).toThrow(KeyBoxError);
  });

  it('cannot open with another secret', () => {
    const blob = createKeyBox(SECRET).seal(SESSION_KEY);
    expect(() => createKeyBox(SECRET + 'x').open(blob)).toThrow(KeyBoxError);
  });

  it('binds the context: a blob moved to another account does not open', () => {
    const box = createKeyBox(SECRET);
    const blob = box.seal(SESSION_KEY, 'account:1');
    expect(box.open(blob, 'account:1')).toBe(SESSION_KEY);
    expect(() => box.open(blob, 'account:2')).toThrow(KeyBoxError);
    expect(() => box.open(blob)).toThrow(KeyBoxError);
  });
});

describe('tokens', () => {
  it('makes 256-bit base64url session ids that do not repeat', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newSessionId()));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    }
  });

  it('hashes with SHA-256', () => {
    expect(hashToken('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('compares strings exactly', () => {
    expect(safeEqual('state-a', 'state-a')).toBe(true);
    expect(safeEqual('state-a', 'state-b')).toBe(false);
    expect(safeEqual('state', 'state-longer')).toBe(false);
  });
});
