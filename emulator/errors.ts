/**
 * The emulator's two error kinds: `ApiError` is a Last.fm error as it goes on the wire (code,
 * exact message, HTTP status: docs/lastfm.md, "Errors"); `ControlError` is a bad control-API request.
 */

/** A Last.fm error answer: `{"message":…,"error":code}` with its HTTP status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: number,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A rejected control request (bad JSON, unknown name): 400 or 404 with a message. */
export class ControlError extends Error {
  override readonly name = 'ControlError';

  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** The exact Last.fm messages the emulator sends, from docs/lastfm.md, "Errors". */
export const MSG = {
  invalidMethod: 'Invalid Method - No method with that name in this package',
  badToken: 'Invalid authentication token supplied',
  mustPost: 'You must use POST in order to use this method.',
  missingParam: 'Invalid parameters - Your request is missing a required parameter',
  userNotFound: 'User not found',
  trackNotFound: 'Track not found',
  pageBounds: 'page param out of bounds (1-1000000)',
  limitBounds: 'limit param out of bounds (1-1000)',
  operationFailed: 'Operation failed - Most likely the backend service failed. Please try again.',
  badSession: 'Invalid session key - Please re-authenticate',
  badApiKey: 'Invalid API key - You must be granted a valid key by last.fm',
  offline: 'Service Offline - This service is temporarily offline. Try again later.',
  badSignature: 'Invalid method signature supplied',
  unauthorizedToken: 'This token has not yet been authorised',
  expiredToken: 'This token has expired',
  temporary: 'The service is temporarily unavailable, please try again.',
  loginRequired: 'Login: User required to be logged in',
  rateLimit:
    'Rate Limit Exceeded - This application has made too many requests in a short period. ' +
    'If this is your API key, see https://www.last.fm/api/tos#4.4 for information about raising the limit.',
  scrobbleRateLimit:
    'Rate Limit Exceeded - Too many scrobbles in a short period. Please try again later.',
} as const;

/** Constructors for every error the emulator answers, each with its observed HTTP status. */
export const apiErrors = {
  invalidMethod: () => new ApiError(3, MSG.invalidMethod, 400),
  badToken: () => new ApiError(4, MSG.badToken, 403),
  mustPost: () => new ApiError(4, MSG.mustPost, 403),
  missingParam: () => new ApiError(6, MSG.missingParam, 400),
  userNotFound: () => new ApiError(6, MSG.userNotFound, 404),
  // Observed as HTTP 400 (supki/liblastfm#21, web-scrobbler/web-scrobbler#807), not 404.
  trackNotFound: () => new ApiError(6, MSG.trackNotFound, 400),
  pageBounds: () => new ApiError(6, MSG.pageBounds, 400),
  limitBounds: () => new ApiError(6, MSG.limitBounds, 400),
  operationFailed: () => new ApiError(8, MSG.operationFailed, 500),
  badSession: () => new ApiError(9, MSG.badSession, 403),
  badApiKey: () => new ApiError(10, MSG.badApiKey, 403),
  offline: () => new ApiError(11, MSG.offline, 503),
  badSignature: () => new ApiError(13, MSG.badSignature, 400),
  unauthorizedToken: () => new ApiError(14, MSG.unauthorizedToken, 403),
  expiredToken: () => new ApiError(15, MSG.expiredToken, 403),
  temporary: () => new ApiError(16, MSG.temporary, 503),
  loginRequired: () => new ApiError(17, MSG.loginRequired, 403),
  rateLimit: () => new ApiError(29, MSG.rateLimit, 429),
  scrobbleRateLimit: () => new ApiError(29, MSG.scrobbleRateLimit, 429),
};
