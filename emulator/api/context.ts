/** What every `/2.0/` method handler receives, and small parameter helpers shared by them. */
import type { Clock } from '../../lib/clock.js';
import { apiErrors } from '../errors.js';
import type { AuthStore, SessionRecord } from '../sessions.js';
import type { AppRecord, EmulatorState, UserRecord } from '../state.js';
import type { Quirks } from '../types.js';

/** The emulator's parts a handler may use. `quirks` is live: `setQuirks` updates it in place. */
export interface ApiContext {
  clock: Clock;
  state: EmulatorState;
  auth: AuthStore;
  quirks: Quirks;
  /**
   * Where a browser reaches this emulator (e.g. `http://localhost:8081`): the base of the
   * generated pictures' URLs. Set once the server listens, before any request.
   */
  publicUrl: string;
}

/** One checked call: the app is known, the signature and the session (if any) are valid. */
export interface ApiCall {
  params: ReadonlyMap<string, string>;
  app: AppRecord;
  session: SessionRecord | null;
  nowMs: number;
  nowSec: number;
}

/** A method's answer in its JSON form, with one top-level key. */
export type ApiBody = Record<string, unknown>;

/** A `/2.0/` method. */
export interface MethodDef {
  /** Canonical name, e.g. `user.getRecentTracks`. */
  name: string;
  /** Write methods need POST, a signature and a session key. */
  write: boolean;
  /** Needs `api_sig` even though it is not a write (auth.*). */
  signed: boolean;
  handle(ctx: ApiContext, call: ApiCall): ApiBody;
}

/** A required, non-empty parameter, or error 6. */
export function required(params: ReadonlyMap<string, string>, name: string): string {
  const v = params.get(name);
  if (v === undefined || v === '') throw apiErrors.missingParam();
  return v;
}

/** An optional whole-number parameter: undefined when absent or empty, NaN when not an integer. */
export function intParam(params: ReadonlyMap<string, string>, name: string): number | undefined {
  const v = params.get(name);
  if (v === undefined || v === '') return undefined;
  return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
}

/** The user of the call's session key, or error 9. */
export function sessionUser(ctx: ApiContext, call: ApiCall): UserRecord {
  const name = call.session?.user;
  const user = name === undefined ? undefined : ctx.state.user(name);
  if (!user) throw apiErrors.badSession();
  return user;
}
