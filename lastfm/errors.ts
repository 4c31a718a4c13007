/** Last.fm failures as typed errors, classified by numeric code and HTTP status, never by message text. */

/** How a caller should react to a failure. */
export type LastfmErrorKind =
  | 'retryable' // 8, 11, 16, 29, HTTP 5xx, timeouts, refused/reset connections
  | 'auth_revoked' // 9: the session key no longer works
  | 'user_not_found' // 6 on a user
  | 'private' // 17: the user hides their listening
  | 'fatal'; // everything else, incl. a body of an unexpected shape

const RETRYABLE_CODES = new Set([8, 11, 16, 29]);

/** A failed Last.fm call. `code` is Last.fm's numeric error, or 0 when there was none (transport, shape). */
export class LastfmError extends Error {
  override readonly name = 'LastfmError';

  constructor(
    readonly kind: LastfmErrorKind,
    readonly code: number,
    message: string,
    readonly httpStatus: number | null = null,
    readonly method: string | null = null,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }

  /** True for Last.fm's rate limit (error 29 or HTTP 429). */
  get rateLimited(): boolean {
    return this.code === 29 || this.httpStatus === 429;
  }
}

/**
 * Classifies a Last.fm error body. `userScoped`: the call named a user, so error 6 means that
 * user does not exist (it means "bad parameter" otherwise).
 */
export function classifyLastfmCode(
  code: number,
  httpStatus: number | null,
  userScoped: boolean,
): LastfmErrorKind {
  if (RETRYABLE_CODES.has(code)) return 'retryable';
  if (code === 9) return 'auth_revoked';
  if (code === 17) return 'private';
  if (code === 6 && (userScoped || httpStatus === 404)) return 'user_not_found';
  if (httpStatus !== null && httpStatus >= 500) return 'retryable';
  return 'fatal';
}
