// The basemap's tiles over the team's communes, for the service worker to keep (within the
// server's size budget). Internet basemaps are never bulk-downloaded: only the server's own
// tiles (a PMTiles or MBTiles file) and an intranet tile server are.
"use strict";

const OfflineTiles = (() => {
  async function keep(bundle, info) {
    const kept = (bundle.basemap || []).filter((source) => source.offline);
    const codes = bundle.communes.features.map((f) => f.properties.insee);
    if (!kept.length || !codes.length || !("serviceWorker" in navigator)) return;
    try {
      const response = await fetch(`/api/tiles/offline?communes=${encodeURIComponent(codes.join(","))}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const listing = await response.json();
      const registration = await navigator.serviceWorker.ready;
      registration.active.postMessage({ type: "cache-tiles", urls: listing.urls });
      const megabytes = Geo.decimal((listing.octets || 0) / 1048576, 1);
      info.textContent = `Fond de plan : ${listing.urls.length} tuiles (${megabytes} Mo) gardées pour le hors ligne…`;
    } catch (err) { /* offline again: at the next visit */ }
  }

  // The service worker's word on how many it has kept.
  function progress(event, info) {
    const data = event.data || {};
    if (data.type === "tiles-cached") info.textContent = `Fond de plan gardé pour le hors ligne : ${data.done} tuiles sur ${data.total}.`;
  }

  return { keep, progress };
})();
