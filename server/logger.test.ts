import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ZodApp } from './deps.js';
import {
  createLogger,
  fdOutput,
  lazyChildLoggerFactory,
  memoryDestination,
  redactUrl,
} from './logger.js';
import { COOKIE_NAME } from './session-cookie.js';
import { buildTestApp, TEST_SESSION_SECRET, testConfig } from './test-support/app.js';

const SESSION_KEY = 'd580d57f32848f5dcf574d1ce18d78b2';
const TOKEN = 'FyEklwB1ZLpvFYd1BvBO76rzRWz4ThuT';
const COOKIE_ID = 'Q2xhc3NpZmllZC1zZXNzaW9uLWlkLTEyMzQ1Njc4OTAxMjM';

function capture(level: 'debug' | 'info' = 'debug') {
  const dest = memoryDestination();
  return { dest, log: createLogger({ logLevel: level }, dest) };
}

describe('createLogger', () => {
  it('writes Cloud Logging severities and a message field', () => {
    const { dest, log } = capture();
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    expect(dest.lines().map((l) => [l.severity, l.message])).toEqual([
      ['DEBUG', 'd'],
      ['INFO', 'i'],
      ['WARNING', 'w'],
      ['ERROR', 'e'],
      ['CRITICAL', 'f'],
    ]);
    expect(dest.lines()[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('hides secrets wherever they sit in a logged object', () => {
    const { dest, log } = capture();
    log.info(
      {
        sk: SESSION_KEY,
        token: TOKEN,
        account: { sessionKey: SESSION_KEY, session_key: SESSION_KEY },
        call: {
          params: { sk: SESSION_KEY, api_sig: 'c0ffee11c0ffee11c0ffee11c0ffee11', token: TOKEN },
        },
        config: testConfig(),
        headers: { cookie: `${COOKIE_NAME}=${COOKIE_ID}` },
      },
      'all the secrets',
    );
    const text = dest.text();
    for (const secret of [SESSION_KEY, TOKEN, 'c0ffee11', TEST_SESSION_SECRET, COOKIE_ID]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
  });

  it('hides secret query parameters in URLs', () => {
    expect(redactUrl(`/api/auth/callback?token=${TOKEN}&state=abc`)).toBe(
      '/api/auth/callback?token=[REDACTED]&state=[REDACTED]',
    );
    expect(redactUrl(`/2.0/?method=track.scrobble&sk=${SESSION_KEY}&api_sig=x&format=json`)).toBe(
      '/2.0/?method=track.scrobble&sk=[REDACTED]&api_sig=[REDACTED]&format=json',
    );
  });
});

describe('request logs', () => {
  let app: ZodApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('never contain the cookie, the auth token or the state', async () => {
    const built = await buildTestApp();
    app = built.app;
    await app.inject({
      url: `/api/auth/callback?token=${TOKEN}&state=state-value-123456`,
      headers: { cookie: `${COOKIE_NAME}=${COOKIE_ID}; lasso_auth_state=state-value-123456` },
    });
    const text = built.logs.text();
    expect(text).toContain('/api/auth/callback?token=[REDACTED]');
    for (const secret of [TOKEN, COOKIE_ID, 'state-value-123456'])
      expect(text).not.toContain(secret);
  });
});

describe('request loggers', () => {
  let app: ZodApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('write nothing below the level and carry their bindings, redacted, when they do write', () => {
    const dest = memoryDestination();
    const parent = createLogger({ logLevel: 'warn' }, dest);
    const log = lazyChildLoggerFactory(parent, { reqId: 'req-7' }, {});
    log.info({ token: TOKEN }, 'not written');
    log.debug('not written either');
    expect(dest.lines()).toEqual([]);
    log.error({ token: TOKEN }, 'failed');
    expect(dest.lines()).toMatchObject([
      { severity: 'ERROR', message: 'failed', reqId: 'req-7', token: '[REDACTED]' },
    ]);
    expect(log.child({ part: 'x' }).level).toBe('warn');
  });

  it('log one debug line per request, and a 5xx at warn whatever the level', async () => {
    const built = await buildTestApp({
      config: testConfig({ LOG_LEVEL: 'warn' }),
      routes: [
        (app) => {
          app.get('/api/test/unavailable', async (_request, reply) => reply.code(503).send({}));
        },
      ],
    });
    app = built.app;
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/api/test/unavailable' });
    expect(built.logs.lines().map((l) => [l.severity, l.message, l.res])).toEqual([
      ['WARNING', 'request completed', { statusCode: 503 }],
    ]);
  });
});

describe('fdOutput', () => {
  it('writes every line to its descriptor, in order, and drain() waits for them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lasso-log-'));
    const file = path.join(dir, 'out.log');
    const fd = openSync(file, 'w');
    try {
      const output = fdOutput(fd);
      const log = createLogger({ logLevel: 'info' }, output);
      for (let i = 0; i < 500; i += 1) log.info({ i }, 'line');
      await output.drain();
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(
        Array.from({ length: 500 }, (_, i) => i),
      );
    } finally {
      closeSync(fd);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops for good, says so once and never throws when its descriptor fails', async () => {
    const onFailure = vi.fn();
    // No process has that many files open: every write fails (EBADF), as after EPIPE.
    const output = fdOutput(999_999, onFailure);
    const log = createLogger({ logLevel: 'info' }, output);
    log.info('first');
    log.info('second');
    await output.drain();
    log.info('after the failure');
    await output.drain();
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure.mock.calls[0]?.[0]).toMatchObject({ code: 'EBADF' });
  });
});
