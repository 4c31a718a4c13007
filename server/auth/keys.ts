/**
 * How Last.fm session keys are sealed at rest. The account id is the AES-GCM associated data, so
 * a sealed key copied onto another account's row does not open. Whoever opens a key (the engine,
 * wired by main.ts) must use `openSessionKey` so both sides agree on the context.
 */
import type { AccountRow } from '../../store/schema.js';
import type { KeyBox } from '../crypto.js';

/** The `context` a key is sealed with: the account id as a decimal string. */
export function sessionKeyContext(accountId: number): string {
  return String(accountId);
}

/** Seals the Last.fm session key of `accountId`. */
export function sealSessionKey(keyBox: KeyBox, accountId: number, sessionKey: string): Buffer {
  return keyBox.seal(sessionKey, sessionKeyContext(accountId));
}

/**
 * The clear session key of an account, or null when it has none (disconnected). Throws
 * `KeyBoxError` when the blob does not open (SESSION_SECRET changed, or a tampered row).
 */
export function openSessionKey(
  keyBox: KeyBox,
  account: Pick<AccountRow, 'id' | 'session_key_enc'>,
): string | null {
  if (account.session_key_enc === null) return null;
  return keyBox.open(account.session_key_enc, sessionKeyContext(account.id));
}
