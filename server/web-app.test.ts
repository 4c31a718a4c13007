import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZodApp } from './deps.js';
import { createLogger, memoryDestination } from './logger.js';
import { buildTestApp, testConfig } from './test-support/app.js';
import {
  cacheControlFor,
  createWebApp,
  defaultWebRoot,
  IMMUTABLE_CACHE,
  REVALIDATE_CACHE,
} from './web-app.js';

const INDEX =
  '<!doctype html><title>Lasso</title><script type="module" src="/assets/app-3f9a.js"></script>';
const SCRIPT = 'console.log("lasso");'.repeat(20);

/** A fake Vite build: shell, hashed asset, service worker, manifest, an icon; .br/.gz beside text. */
async function fakeBuild(root: string): Promise<void> {
  const text: Record<string, string> = {
    'index.html': INDEX,
    'assets/app-3f9a.js': SCRIPT,
    'sw.js': 'self.addEventListener("fetch", () => {});',
    'manifest.webmanifest': '{"name":"Lasso"}',
  };
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await mkdir(path.join(root, 'icons'), { recursive: true });
  for (const [file, body] of Object.entries(text)) {
    await writeFile(path.join(root, file), body);
    await writeFile(path.join(root, `${file}.br`), brotliCompressSync(body));
    await writeFile(path.join(root, `${file}.gz`), gzipSync(body));
  }
  await writeFile(path.join(root, 'icons/icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(path.join(root, '.env'), 'SECRET=1');
}

async function appFor(root: string, env: Record<string, string> = {}) {
  const logs = memoryDestination();
  const config = testConfig(env);
  const web = createWebApp({ root, logger: createLogger(config, logs) });
  const { app } = await buildTestApp({
    config,
    routes: [web.routes],
    notFoundFallback: web.notFoundFallback,
  });
  return { app, logs, web };
}

describe('the built web app', () => {
  let root: string;
  let app: ZodApp;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lasso-web-'));
    await fakeBuild(root);
    ({ app } = await appFor(root));
  });
  afterAll(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('sends hashed assets precompressed by Accept-Encoding, cached for a year', async () => {
    const url = '/assets/app-3f9a.js';
    const br = await app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers).toMatchObject({
      'content-encoding': 'br',
      'content-type': expect.stringMatching(/^(text|application)\/javascript; charset=utf-8$/),
      'cache-control': IMMUTABLE_CACHE,
      vary: 'Accept-Encoding',
    });
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    const gz = await app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    const plain = await app.inject({ url, headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body).toBe(SCRIPT);
  });

  it('revalidates the shell: index.html, sw.js and the manifest', async () => {
    for (const url of ['/', '/index.html', '/sw.js', '/manifest.webmanifest']) {
      const res = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
      expect([res.statusCode, res.headers['cache-control']], url).toEqual([200, REVALIDATE_CACHE]);
      expect(res.headers.vary, url).toBe('Accept-Encoding');
    }
    for (const encoding of ['br', 'identity']) {
      const headers = { 'accept-encoding': encoding };
      const manifest = await app.inject({ url: '/manifest.webmanifest', headers });
      expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/);
      const sw = await app.inject({ url: '/sw.js', headers });
      expect(sw.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    }
  });

  it('answers index.html with 200 on the client routes, with the strict CSP', async () => {
    for (const url of ['/', '/j/maya_plays', '/history', '/history/42', '/privacy']) {
      const res = await app.inject({ url });
      expect([res.statusCode, res.body], url).toEqual([200, INDEX]);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe(REVALIDATE_CACHE);
      expect(res.headers['content-security-policy'], url).toContain("script-src 'self'");
    }
    const head = await app.inject({ method: 'HEAD', url: '/j/maya_plays' });
    expect([head.statusCode, head.body]).toEqual([200, '']);
    const etag = (await app.inject({ url: '/history' })).headers.etag;
    const fresh = await app.inject({ url: '/history', headers: { 'if-none-match': String(etag) } });
    expect(fresh.statusCode).toBe(304);
  });

  it('answers index.html with 404 on any other path outside /api, and JSON 404 inside it', async () => {
    for (const url of ['/nope', '/j', '/history/1/2', '/assets/old-0000.js', '/.env', '/icons']) {
      const res = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
      expect(res.statusCode, url).toBe(404);
      expect(brotliDecompressSync(res.rawPayload).toString(), url).toBe(INDEX);
      expect(res.headers['cache-control'], url).toBe(REVALIDATE_CACHE);
    }
    // A browser revalidating a stored 404 still gets the page, never an empty 404.
    const again = await app.inject({ url: '/nope', headers: { 'if-none-match': '*' } });
    expect([again.statusCode, again.body]).toEqual([404, INDEX]);
    expect(again.headers.etag).toBeUndefined();
    for (const url of ['/api/nope', '/api', '/api/index.html']) {
      const res = await app.inject({ url });
      expect([res.statusCode, res.json().code], url).toEqual([404, 'NOT_FOUND']);
    }
    const post = await app.inject({
      method: 'POST',
      url: '/nope',
      headers: { origin: 'http://lasso.test' },
    });
    expect([post.statusCode, post.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('serves other files under stable names for a day', async () => {
    const res = await app.inject({ url: '/icons/icon-192.png' });
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'image/png']);
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
  });
});

describe('without a build', () => {
  let root: string;
  let app: ZodApp | undefined;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'lasso-noweb-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('answers pages 503 saying how to build, keeps the API, and logs it once', async () => {
    const built = await appFor(path.join(root, 'missing'));
    app = built.app;
    expect(built.web.built).toBe(false);
    for (const url of ['/', '/j/maya', '/nope', '/assets/app.js']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.body, url).toContain('the web app is not built: run npm run build');
      expect(res.body, url).not.toMatch(/<script|<style|style=/);
    }
    expect((await app.inject({ url: '/api/nope' })).json().code).toBe('NOT_FOUND');
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const lines = built.logs.lines().filter((l) => String(l.message).includes('not built'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ severity: 'WARNING' });
  });
});

describe('finding dist/web', () => {
  it('finds it from the built server and from the source run by tsx, never web/', () => {
    expect(defaultWebRoot('/srv/lasso/dist/server')).toBe('/srv/lasso/dist/web');
    expect(defaultWebRoot('/srv/lasso/server')).toBe('/srv/lasso/dist/web');
    expect(defaultWebRoot()).toBe(path.resolve(import.meta.dirname, '..', 'dist', 'web'));
  });

  it('caches by kind of file', () => {
    expect(cacheControlFor('assets/index-9x.css.br')).toBe(IMMUTABLE_CACHE);
    expect(cacheControlFor('index.html.gz')).toBe(REVALIDATE_CACHE);
    expect(cacheControlFor('favicon.svg')).toBe('public, max-age=86400');
  });
});
