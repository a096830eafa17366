// Service worker of the field page: the page, Leaflet and the team's data answer without network.
//   the shell (page, scripts, Leaflet)  cache first, refreshed in the background
//   /api/terrain/bundle                 network first, the last copy when offline
//   /tiles/…                            cache first (tiles the page asked to keep for offline use)
"use strict";

const SHELL_CACHE = "psq-terrain-shell-v1";
const DATA_CACHE = "psq-terrain-data-v1";
const TILE_CACHE = "psq-terrain-tiles-v1";
const SHELL = [
  "/terrain/",
  "/terrain/style.css",
  "/terrain/store.js",
  "/terrain/geo.js",
  "/terrain/sync.js",
  "/terrain/session.js",
  "/terrain/map.js",
  "/terrain/offline_tiles.js",
  "/terrain/photos.js",
  "/terrain/form.js",
  "/terrain/pending.js",
  "/terrain/app.js",
  "/terrain/manifest.webmanifest",
  "/terrain/icon.svg",
  "/terrain/icon-192.png",
  "/terrain/icon-512.png",
  "/app/static/vendor/leaflet/dist/leaflet.css",
  "/app/static/vendor/leaflet/dist/leaflet.js",
  "/app/static/vendor/leaflet/dist/images/layers.png",
  "/app/static/vendor/leaflet/dist/images/layers-2x.png",
  "/app/static/vendor/leaflet-draw/dist/leaflet.draw.css",
  "/app/static/vendor/leaflet-draw/dist/leaflet.draw.js",
  "/app/static/vendor/leaflet-draw/dist/images/spritesheet.png",
  "/app/static/vendor/leaflet-draw/dist/images/spritesheet-2x.png",
  "/app/static/vendor/leaflet-draw/dist/images/spritesheet.svg",
];
const BUNDLE = "/api/terrain/bundle";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const keep = new Set([SHELL_CACHE, DATA_CACHE, TILE_CACHE]);
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("psq-terrain-") && !keep.has(name)).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

async function cacheFirst(request, cacheName, key) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(key || request);
  const refresh = fetch(request)
    .then((response) => {
      if (response.ok) cache.put(key || request, response.clone());
      return response;
    })
    .catch(() => null);
  if (cached) return cached;
  const fresh = await refresh;
  return fresh || new Response("Hors ligne : cette ressource n'a pas été gardée sur le téléphone.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(BUNDLE, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(BUNDLE);
    if (cached) return cached;
    return new Response(JSON.stringify({ erreur: "Hors ligne : les données de l'équipe n'ont pas encore été emportées." }), { status: 503, headers: { "Content-Type": "application/json" } });
  }
}

async function tileFirst(request) {
  const cache = await caches.open(TILE_CACHE);
  const cached = await cache.match(request.url);
  if (cached) return cached;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.destination === "image" && url.origin !== self.location.origin) {
    event.respondWith(tileFirst(request)); // an intranet tile server's tiles, kept if listed
    return;
  }
  if (url.origin !== self.location.origin) return;
  // Every navigation under /terrain is the page, except the cleanup run after a Streamlit logout.
  if (request.mode === "navigate" && url.pathname.startsWith("/terrain") && url.pathname !== "/terrain/sortie.html") {
    event.respondWith(cacheFirst(request, SHELL_CACHE, "/terrain/"));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(cacheFirst(request, SHELL_CACHE, url.pathname));
  } else if (url.pathname === BUNDLE) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/tiles/")) {
    event.respondWith(tileFirst(request));
  }
});

// The page sends the tile URLs of its communes (within the server's size budget) to keep offline.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "cache-tiles" || !Array.isArray(data.urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(TILE_CACHE);
    let done = 0;
    for (const url of data.urls) {
      if (!(await cache.match(url))) {
        try {
          const sameOrigin = new URL(url, self.location.origin).origin === self.location.origin;
          const response = await fetch(url, sameOrigin ? {} : { mode: "no-cors" });
          if (response.ok || response.type === "opaque") await cache.put(url, response);
        } catch (err) { break; } // offline again: the rest at the next visit
      }
      done += 1;
    }
    if (event.source) event.source.postMessage({ type: "tiles-cached", done, total: data.urls.length });
  })());
});
