/**
 * Lasso's service worker: caches the app shell (this build's files) and nothing else. API
 * answers are never cached: what the screen shows always comes from the server, and when the
 * network is gone the app says so instead of showing stale scrobbles. Generated into `sw.js` at
 * build time with this build's file list and version (see vite.config.ts).
 */
const VERSION = __VERSION__;
const SHELL = __SHELL__;
const CACHE = `lasso-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') {
    // Fresh when online (index.html is tiny and never cached by HTTP); the shell when offline.
    event.respondWith(fetch(request).catch(() => caches.match('/', { cacheName: CACHE })));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(
      caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)),
    );
  }
});
