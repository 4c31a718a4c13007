/**
 * Secrets at rest and session ids. Last.fm session keys are sealed with AES-256-GCM under a key
 * derived from SESSION_SECRET; session ids are random and stored only as SHA-256 hashes.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hash,
  hkdfSync,
  timingSafeEqual,
} from 'node:crypto';
import { secureRandomBytes } from '../lib/random.js';

/** Layout version of a sealed blob: [version][12-byte IV][16-byte tag][ciphertext]. */
const BOX_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
// Fixed labels: changing them makes every stored key unreadable.
const HKDF_SALT = 'lasso/keybox/salt/v1';
const HKDF_INFO = 'lasso/keybox/aes-256-gcm/v1';

/** A sealed value could not be opened: wrong secret, tampered or truncated. */
export class KeyBoxError extends Error {
  override readonly name = 'KeyBoxError';
}

/** Encrypts and decrypts small secrets (Last.fm session keys). */
export interface KeyBox {
  /**
   * Encrypts `plain`. `context` (e.g. the account id) is bound as associated data: the blob
   * then opens only with the same context, so a blob copied to another row is useless.
   */
  seal(plain: string, context?: string): Buffer;
  /** Decrypts a blob made by `seal`; throws `KeyBoxError` if anything does not match. */
  open(blob: Buffer, context?: string): string;
}

/** A `KeyBox` keyed by HKDF-SHA256 of `sessionSecret` (the secret itself is never the key). */
export function createKeyBox(sessionSecret: string): KeyBox {
  if (sessionSecret.length === 0) throw new KeyBoxError('empty session secret');
  const key = Buffer.from(hkdfSync('sha256', sessionSecret, HKDF_SALT, HKDF_INFO, 32));
  return {
    seal(plain, context = '') {
      const iv = secureRandomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(BOX_VERSION), iv, cipher.getAuthTag(), body]);
    },
    open(blob, context = '') {
      if (blob.length < HEADER_BYTES) throw new KeyBoxError('sealed value is truncated');
      if (blob[0] !== BOX_VERSION) throw new KeyBoxError('unknown sealed value version');
      const iv = blob.subarray(1, 1 + IV_BYTES);
      const tag = blob.subarray(1 + IV_BYTES, HEADER_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([
          decipher.update(blob.subarray(HEADER_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new KeyBoxError('sealed value does not authenticate');
      }
    },
  };
}

/** SHA-256 of a token (session id, auth state): what the database keeps instead of the token. */
export function hashToken(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * `hashToken(value)` as base64url text, without a Buffer in between: the one-shot hash is a few
 * times cheaper than a Hash object, and a request's session cookie is hashed on every request.
 */
export function hashTokenText(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** A random token of `bytes` bytes, base64url (256 bits → 43 characters). */
export function newRandomToken(bytes = 32): string {
  return secureRandomBytes(bytes).toString('base64url');
}

/** A fresh session id: 256 random bits, base64url. */
export function newSessionId(): string {
  return newRandomToken(32);
}

/** Compares two strings in time independent of where they differ (for the auth state). */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}
