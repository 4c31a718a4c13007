/**
 * The `/2.0/` method table and the checks every call goes through before its handler: method name
 * (case-insensitive), api_key, POST for writes, signature, session key (docs/lastfm.md,
 * "Transport", "Signatures").
 */
import { apiErrors } from '../errors.js';
import { signatureMatches } from '../signature.js';
import { getSession, getToken } from './auth.js';
import type { ApiBody, ApiContext, MethodDef } from './context.js';
import { scrobble } from './scrobble.js';
import { getInfo as trackGetInfo, updateNowPlaying } from './track.js';
import { getInfo as userGetInfo, getRecentTracks } from './user.js';

const METHODS = new Map<string, MethodDef>(
  [
    getToken,
    getSession,
    userGetInfo,
    getRecentTracks,
    trackGetInfo,
    scrobble,
    updateNowPlaying,
  ].map((m) => [m.name.toLowerCase(), m]),
);

/** The canonical name of a method as sent (`USER.getrecenttracks` → `user.getRecentTracks`). */
export function canonicalMethod(sent: string | undefined): string {
  if (sent === undefined) return '';
  return METHODS.get(sent.toLowerCase())?.name ?? sent.toLowerCase();
}

/** True for the methods that change state (a "drop" fault applies them before dropping). */
export function isWriteMethod(sent: string | undefined): boolean {
  return sent !== undefined && METHODS.get(sent.toLowerCase())?.write === true;
}

/**
 * Runs one call. Throws `ApiError` for every Last.fm error. Sign with the method name exactly as
 * sent: only dispatch lower-cases it.
 */
export function executeCall(
  ctx: ApiContext,
  params: ReadonlyMap<string, string>,
  httpMethod: string,
): ApiBody {
  const def = METHODS.get((params.get('method') ?? '').toLowerCase());
  if (!def) throw apiErrors.invalidMethod();
  const apiKey = params.get('api_key');
  if (!apiKey) throw apiErrors.missingParam();
  const app = ctx.state.app(apiKey);
  if (!app) throw apiErrors.badApiKey();
  if (def.write && httpMethod !== 'POST') throw apiErrors.mustPost();
  const sk = params.get('sk');
  // Signed methods need api_sig; others are checked when they carry one, and using a session
  // key is an authenticated call, so it must be signed too.
  const mustSign = def.signed || def.write || sk !== undefined || params.has('api_sig');
  if (mustSign && !signatureMatches(params, app.secret)) throw apiErrors.badSignature();
  const session = def.write || sk !== undefined ? ctx.auth.requireSession(sk, app.apiKey) : null;
  const nowMs = ctx.clock.now();
  return def.handle(ctx, { params, app, session, nowMs, nowSec: Math.floor(nowMs / 1000) });
}
