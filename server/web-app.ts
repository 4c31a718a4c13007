/**
 * Serves the built web app (`dist/web`, written by Vite) on Lasso's own origin, so the app, its
 * API and its cookies share one origin. Hashed files under `/assets/` are cached for a year; the
 * shell (`index.html`, `sw.js`, the manifest) is revalidated on every load, so a deploy shows at
 * once; each text file goes out as the `.br` or `.gz` written beside it when the browser accepts
 * that encoding. The app's own routes answer `index.html` (200); any other unknown path outside
 * /api answers `index.html` with 404 and the app shows its not-found screen. Without a build,
 * those paths answer 503 saying how to make one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteModule } from './deps.js';
import type { Logger } from './logger.js';

/** The web app's client-side routes: each answers `index.html` with 200. */
export const CLIENT_ROUTES = ['/', '/j/:username', '/history', '/history/:id', '/privacy'] as const;

/** Content-hashed build output: a changed file gets a new name, so it never needs revalidating. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** The shell: may be stored, but asked about (ETag) before each use, so a deploy shows at once. */
export const REVALIDATE_CACHE = 'no-cache';
/** Other files under stable names (icons): a day. */
export const STABLE_NAME_CACHE = 'public, max-age=86400';

const SHELL_FILES = new Set(['index.html', 'sw.js', 'manifest.webmanifest']);

/** What a missing build answers; no inline style or script (the CSP would refuse them). */
const NOT_BUILT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lasso: the web app is not built</title></head>
<body><h1>Lasso: the web app is not built: run npm run build</h1>
<p>Lasso's API is up (<a href="/api/openapi.json">/api/openapi.json</a>), but there is no
<code>dist/web/index.html</code> to serve. Run <code>npm run build</code>, then restart Lasso.</p>
</body></html>
`;

/**
 * Where the built app is: `dist/web` of this checkout, whether this module runs built
 * (`dist/server/web-app.js` → `dist/web`) or from source through tsx (`server/web-app.ts` →
 * `dist/web`). Never the source folder `web/`, whose `index.html` is Vite's input.
 */
export function defaultWebRoot(
  moduleDir: string = path.dirname(fileURLToPath(import.meta.url)),
): string {
  const parent = path.dirname(moduleDir);
  return path.basename(parent) === 'dist'
    ? path.join(parent, 'web')
    : path.join(parent, 'dist', 'web');
}

/** The Cache-Control of a file of the build, by its path inside it (`/`-separated). */
export function cacheControlFor(relativePath: string): string {
  const file = relativePath.replace(/\.(br|gz)$/, '');
  if (file.startsWith('assets/')) return IMMUTABLE_CACHE;
  if (SHELL_FILES.has(file)) return REVALIDATE_CACHE;
  return STABLE_NAME_CACHE;
}

/** The web app as the HTTP app needs it: routes to register and the not-found fallback. */
export interface WebApp {
  /** The folder served. */
  root: string;
  /** False when `root` has no `index.html`: every page then answers 503. */
  built: boolean;
  routes: RouteModule;
  /** For `AppDeps.notFoundFallback`: GET/HEAD of an unknown path outside /api. */
  notFoundFallback: (request: FastifyRequest, reply: FastifyReply) => unknown;
}

/** Options of `createWebApp`. */
export interface WebAppOptions {
  /** Default `defaultWebRoot()`. */
  root?: string;
  /** Told once, now, when there is no build. */
  logger: Logger;
}

/** Looks for the build once and makes the routes that serve it (or the 503 without it). */
export function createWebApp(options: WebAppOptions): WebApp {
  const root = path.resolve(options.root ?? defaultWebRoot());
  const built = existsSync(path.join(root, 'index.html'));
  if (!built) {
    options.logger.warn(
      { webRoot: root },
      `the web app is not built (no ${path.join(root, 'index.html')}): run npm run build; ` +
        'pages answer 503 until then, the API works',
    );
    const notBuilt = (_request: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT_HTML);
    return { root, built, routes: clientRoutes(notBuilt), notFoundFallback: notBuilt };
  }
  const serveClient = clientRoutes((_request, reply) => reply.sendFile('/index.html'));
  // Never "not modified" on the 404: `send` would answer 304 with no body and the 404 status
  // would stay, an empty page. So no validators are sent, and none that come are looked at.
  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    delete request.raw.headers['if-none-match'];
    delete request.raw.headers['if-modified-since'];
    return reply.code(404).sendFile('/index.html', { etag: false, lastModified: false });
  };
  const routes: RouteModule = async (app, deps) => {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: true,
      preCompressed: true,
      // Set per file below; `send`'s own would be "max-age=0" on everything.
      cacheControl: false,
      dotfiles: 'ignore',
      // API paths are never files: straight to the JSON 404, no disk lookup.
      allowedPath: (pathname) => !pathname.startsWith('/api/'),
      setHeaders: (res, filePath) => {
        const relative = path.relative(root, filePath).split(path.sep).join('/');
        res.setHeader('cache-control', cacheControlFor(relative));
        // The body depends on Accept-Encoding (.br, .gz or plain): caches must key on it.
        res.setHeader('vary', 'Accept-Encoding');
      },
    });
    await serveClient(app, deps);
  };
  return { root, built, routes, notFoundFallback: notFound };
}

/** GET (and HEAD) of each client route, answered by `handler`; hidden from OpenAPI. */
function clientRoutes(
  handler: (request: FastifyRequest, reply: FastifyReply) => unknown,
): RouteModule {
  return (app) => {
    for (const url of CLIENT_ROUTES) {
      app.get(url, { schema: { hide: true } }, async (request, reply) => handler(request, reply));
    }
  };
}
