import { describe, expect, it } from 'vitest';
import { LastfmError } from '../lastfm/errors.js';
import type { AppError } from './errors.js';
import { z } from 'zod';
import { StartRequest } from '../contract/index.js';
import { EngineError } from '../engine/engine-api.js';
import type { EngineErrorCode } from '../engine/engine-api.js';
import { errors, fromEngineError, fromLastfmError, parseInput, toAppError } from './errors.js';

describe('fromLastfmError', () => {
  it('maps each Last.fm failure kind to an API code and status', () => {
    const cases = [
      [new LastfmError('user_not_found', 6, 'User not found', 404), 'TARGET_NOT_FOUND', 404],
      [new LastfmError('private', 17, 'Login required', 403), 'TARGET_PRIVATE', 403],
      [new LastfmError('auth_revoked', 9, 'Invalid session key', 403), 'SESSION_EXPIRED', 401],
      [new LastfmError('retryable', 29, 'Rate limit', 429), 'RATE_LIMIT', 503],
      [new LastfmError('retryable', 0, 'timeout'), 'LASTFM_ERROR', 502],
      [new LastfmError('retryable', 11, 'Service offline', 503), 'LASTFM_ERROR', 502],
      [new LastfmError('fatal', 10, 'Invalid API key', 403), 'LASTFM_ERROR', 502],
    ] as const;
    for (const [err, code, status] of cases) {
      const mapped = fromLastfmError(err);
      expect([mapped.code, mapped.status], err.message).toEqual([code, status]);
      expect(JSON.stringify(mapped.toBody())).not.toContain(err.message);
    }
  });

  it('names the target user when known', () => {
    const err = new LastfmError('user_not_found', 6, 'User not found', 404);
    expect(fromLastfmError(err, 'maya').details).toBe('Last.fm has no user "maya"');
  });
});

describe('fromEngineError', () => {
  it('maps every engine refusal onto the API code of the same name', () => {
    const cases: Array<[EngineErrorCode, number]> = [
      ['INVALID_STATE', 409],
      ['INVALID_REQUEST', 400],
      ['TARGET_NOT_FOUND', 404],
      ['TARGET_PRIVATE', 403],
      ['TARGET_IS_SELF', 400],
      ['RATE_LIMIT', 503],
      ['LASTFM_ERROR', 502],
      ['AUTH_REQUIRED', 401],
    ];
    for (const [code, status] of cases) {
      const mapped = toAppError(new EngineError(code, 'internal wording', 'the details'));
      expect([mapped.code, mapped.status], code).toEqual([code, status]);
      expect(mapped.message).not.toBe('internal wording');
    }
  });

  it('passes details on only where they describe the request', () => {
    expect(fromEngineError(new EngineError('INVALID_STATE', 'm', 'already paused')).details).toBe(
      'already paused',
    );
    expect(fromEngineError(new EngineError('LASTFM_ERROR', 'm', 'sk=secret')).details).toBe(
      undefined,
    );
    expect(fromEngineError(new EngineError('TARGET_NOT_FOUND', 'm'), 'maya').details).toBe(
      'Last.fm has no user "maya"',
    );
    expect(fromEngineError(new EngineError('RATE_LIMIT', 'm')).headers).toEqual({
      'retry-after': '60',
    });
  });
});

describe('toAppError', () => {
  it('keeps AppErrors and hides everything else behind INTERNAL_ERROR', () => {
    const conflict = errors.invalidState();
    expect(toAppError(conflict)).toBe(conflict);
    expect(toAppError(new Error('secret detail')).toBody()).toEqual({
      error: 'Something went wrong on our side',
      code: 'INTERNAL_ERROR',
    });
    expect(toAppError('a string').status).toBe(500);
    expect(toAppError(null).status).toBe(500);
  });

  it('does not trust a random error that merely carries a 4xx statusCode', () => {
    const err = Object.assign(new Error('internal'), { statusCode: 404 });
    expect(toAppError(err).status).toBe(500);
  });

  it('gives every factory a distinct, valid body', () => {
    const all: AppError[] = [
      errors.authRequired(),
      errors.sessionExpired(),
      errors.invalidRequest('x'),
      errors.targetNotFound(),
      errors.targetPrivate(),
      errors.targetIsSelf(),
      errors.rateLimit(1.2),
      errors.lastfm(),
      errors.invalidState(),
      errors.forbiddenOrigin(),
      errors.notFound(),
      errors.internal(),
    ];
    expect(new Set(all.map((e) => e.code)).size).toBe(all.length);
    expect(errors.rateLimit(1.2).headers).toEqual({ 'retry-after': '2' });
  });
});

describe('parseInput', () => {
  it('returns the parsed value', () => {
    expect(parseInput(StartRequest, { target_username: ' maya ' })).toEqual({
      target_username: 'maya',
      mirror_now_playing: false,
    });
  });

  it('throws 400 INVALID_REQUEST naming each bad field', () => {
    let thrown: unknown;
    try {
      parseInput(z.object({ since: z.number(), user: z.string() }), { since: 'x' }, 'query');
    } catch (err) {
      thrown = err;
    }
    const appError = toAppError(thrown);
    expect(appError.status).toBe(400);
    expect(appError.code).toBe('INVALID_REQUEST');
    expect(appError.details).toMatch(/^query\.since: .*; query\.user: /);
  });

  it('leaves a raw ZodError from elsewhere as a 500', () => {
    const result = z.string().safeParse(1);
    expect(toAppError(result.error).status).toBe(500);
  });
});
