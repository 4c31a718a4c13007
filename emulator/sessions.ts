/**
 * Tokens and session keys (docs/lastfm.md, "Tokens and session keys"): 32-character `[A-Za-z0-9_-]`
 * strings; tokens live 60 minutes from issue and are single use; session keys never expire but can
 * be revoked.
 */
import { HOUR_MS } from '../lib/clock.js';
import { secureRandomBytes } from '../lib/random.js';
import { apiErrors } from './errors.js';

/** A request token. `user` is null until someone allows access (desktop `auth.getToken` tokens). */
export interface TokenRecord {
  token: string;
  apiKey: string;
  user: string | null;
  issuedAt: number;
  consumed: boolean;
}

/** A session key of one user for one application. */
export interface SessionRecord {
  key: string;
  apiKey: string;
  user: string;
  revoked: boolean;
}

/** How long a token stays valid. */
export const TOKEN_TTL_MS = HOUR_MS;

/** 24 random bytes in base64url: exactly 32 characters of `[A-Za-z0-9_-]`, like the real ones. */
export function newOpaqueId(): string {
  return secureRandomBytes(24).toString('base64url');
}

/** Tokens and sessions. */
export class AuthStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly sessions = new Map<string, SessionRecord>();

  /** A fresh token; approved at once when `user` is given (the web `cb` flow). */
  issueToken(apiKey: string, user: string | null, nowMs: number): TokenRecord {
    const rec: TokenRecord = {
      token: newOpaqueId(),
      apiKey,
      user,
      issuedAt: nowMs,
      consumed: false,
    };
    this.tokens.set(rec.token, rec);
    return rec;
  }

  /** The token if it can still be approved or exchanged, else undefined. */
  liveToken(token: string, apiKey: string, nowMs: number): TokenRecord | undefined {
    const rec = this.tokens.get(token);
    if (!rec || rec.apiKey !== apiKey || rec.consumed) return undefined;
    if (nowMs - rec.issuedAt >= TOKEN_TTL_MS) return undefined;
    return rec;
  }

  /**
   * auth.getSession: trades an approved token for a new session key. Errors in Last.fm's terms:
   * unknown → 4, consumed → `consumedCode`, expired → 15, not yet approved → 14.
   */
  exchange(token: string, apiKey: string, nowMs: number, consumedCode: 4 | 15): SessionRecord {
    const rec = this.tokens.get(token);
    if (!rec || rec.apiKey !== apiKey) throw apiErrors.badToken();
    if (rec.consumed) throw consumedCode === 4 ? apiErrors.badToken() : apiErrors.expiredToken();
    if (nowMs - rec.issuedAt >= TOKEN_TTL_MS) throw apiErrors.expiredToken();
    if (rec.user === null) throw apiErrors.unauthorizedToken();
    rec.consumed = true;
    const session: SessionRecord = { key: newOpaqueId(), apiKey, user: rec.user, revoked: false };
    this.sessions.set(session.key, session);
    return session;
  }

  /** The live session for `key` under `apiKey`, or error 9. */
  requireSession(key: string | undefined, apiKey: string): SessionRecord {
    const s = key === undefined ? undefined : this.sessions.get(key);
    if (!s || s.revoked || s.apiKey !== apiKey) throw apiErrors.badSession();
    return s;
  }

  /** The user a session key belongs to, revoked or not (for the call log); null if unknown. */
  sessionUser(key: string | undefined): string | null {
    return key === undefined ? null : (this.sessions.get(key)?.user ?? null);
  }

  /** Revokes every session of `user` for `apiKey`; returns how many. */
  revoke(user: string, apiKey: string): number {
    let n = 0;
    const folded = user.toLowerCase();
    for (const s of this.sessions.values()) {
      if (s.apiKey === apiKey && s.user.toLowerCase() === folded && !s.revoked) {
        s.revoked = true;
        n += 1;
      }
    }
    return n;
  }
}
