/// <reference lib="webworker" />
/**
 * Parley's service worker: it caches the app shell only (index.html and the build's assets and icons),
 * so the app can be installed and starts without a network to its "reconnecting" state. It never caches
 * or answers anything under /api/ (no message, no user data, no token ever lands in the Cache API), and
 * never touches another origin's requests.
 *
 * Built by `vite.sw-plugin.ts`, which prepends the two constants below: the build's file list and a
 * version derived from it (a new build installs a new cache and deletes the old ones).
 */
declare const PRECACHE: readonly string[];
declare const VERSION: string;

/** The worker's global scope, typed (the WebWorker lib types `self` as a plain worker). */
const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE_PREFIX = 'parley-shell-';
const CACHE = `${CACHE_PREFIX}${VERSION}`;
const SHELL = '/';

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([SHELL, ...PRECACHE]))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith(CACHE_PREFIX) && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => sw.clients.claim()),
  );
});

/** Whether the worker answers this request at all: same-origin GETs of the app shell, never the API. */
function isShell(request: Request, url: URL): boolean {
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return false;
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return false;
  return request.mode === 'navigate' || PRECACHE.includes(url.pathname);
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (!isShell(request, url)) return;
  if (request.mode === 'navigate') {
    // The network first (a deploy's new index.html wins); the cached shell when the server is unreachable.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(SHELL, { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  // Hashed assets and icons: the cached copy (they never change under one name), else the network.
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
});
