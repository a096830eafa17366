// The field page's map: the bundle's layers, a tap places the point, GPS, lines and zones drawn.
"use strict";

const FieldMap = (() => {
  const STYLES = {
    commune: { color: "#1f3b73", weight: 2, fillOpacity: 0.04 },
    sector: { color: "#7b1fa2", weight: 1.5, dashArray: "4 4", fillOpacity: 0.05 },
    zone: { color: "#00796b", weight: 1.5, fillOpacity: 0.05 },
    shape: { color: "#d84315", weight: 4 },
    pending: { color: "#ef6c00", weight: 3, dashArray: "6 4", fill: false, className: "psq-pending" }, // waiting on the phone: hollow
  };
  // Leaflet's own link, with its English title replaced (a constant: no user text).
  const PREFIX = '<a href="https://leafletjs.com" title="Bibliothèque JavaScript de cartes interactives">Leaflet</a>';

  function frenchDraw() {
    if (!L.drawLocal) return;
    const d = L.drawLocal.draw;
    d.toolbar.actions = { title: "Annuler le tracé", text: "Annuler" };
    d.toolbar.finish = { title: "Terminer le tracé", text: "Terminer" };
    d.toolbar.undo = { title: "Retirer le dernier sommet", text: "Retirer le dernier sommet" };
    d.toolbar.buttons.polyline = "Tracer une ligne";
    d.toolbar.buttons.polygon = "Tracer une zone";
    d.handlers.polyline.tooltip = { start: "Touchez la carte pour commencer la ligne.", cont: "Touchez pour continuer la ligne.", end: "Touchez le dernier sommet pour terminer." };
    d.handlers.polygon.tooltip = { start: "Touchez la carte pour placer le premier sommet.", cont: "Touchez pour continuer la zone.", end: "Touchez le premier sommet pour fermer la zone." };
    d.handlers.polyline.error = "<strong>Erreur :</strong> les côtés ne doivent pas se croiser.";
    // Leaflet.draw 1.0.4 under Leaflet >= 1.8 places each vertex twice per tap (touch, then the
    // mouse events that follow), and the second one reads as « finish » (Leaflet/Leaflet.draw#1026).
    if (L.Draw && L.Draw.Polyline) L.Draw.Polyline.prototype._onTouch = function () {};
  }

  function tooltipOf(text) {
    return Geo.el("span", text); // a DOM node: the name is never parsed as HTML
  }

  function create(element, bundle, onPosition) {
    frenchDraw();
    // The map's own zoom range: otherwise Leaflet takes the tile layer's, and a territory file
    // starting at zoom 10 would stop the agent from zooming out to see the département.
    const map = L.map(element, { zoomControl: false, tap: true, scrollWheelZoom: false, minZoom: 6, maxZoom: 19 });
    L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
    map.attributionControl.setPrefix(PREFIX);
    (bundle.basemap || []).slice(0, 1).forEach((source) => {
      const options = { attribution: Geo.escapeText(source.attribution), maxZoom: 19 };
      if (source.max_native_zoom) options.maxNativeZoom = source.max_native_zoom;
      if (source.min_zoom) options.minZoom = source.min_zoom;
      L.tileLayer(source.url, options).addTo(map);
    });
    const communes = L.geoJSON(bundle.communes, { style: STYLES.commune, interactive: false }).addTo(map);
    L.geoJSON(bundle.sectors, { style: STYLES.sector, interactive: false }).addTo(map);
    L.geoJSON(bundle.zones, {
      style: STYLES.zone,
      onEachFeature: (feature, layer) => layer.bindTooltip(tooltipOf(`Zone : ${feature.properties.name}`)),
    }).addTo(map);
    L.geoJSON(bundle.sites, {
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 6, color: "#263238", fillColor: "#ffca28", fillOpacity: 1 }),
      onEachFeature: (feature, layer) => layer.bindTooltip(tooltipOf(feature.properties.name)),
    }).addTo(map);
    const bounds = communes.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
    else map.setView([47.5, 5.9], 8);

    const waiting = L.layerGroup().addTo(map);
    const drawn = new L.FeatureGroup().addTo(map);
    let marker = null;
    let drawing = false;
    map.addControl(new L.Control.Draw({
      position: "topright",
      draw: { polyline: { shapeOptions: STYLES.shape }, polygon: { shapeOptions: STYLES.shape, allowIntersection: false }, rectangle: false, circle: false, marker: false, circlemarker: false },
    }));
    map.on("draw:drawstart", () => { drawing = true; });
    map.on("draw:drawstop", () => { drawing = false; });
    map.on(L.Draw.Event.CREATED, (event) => {
      clear();
      drawn.addLayer(event.layer);
      onPosition({ geometry: event.layer.toGeoJSON().geometry, source: "tracé" });
    });
    map.on("click", (event) => {
      if (drawing) return; // a vertex of the shape being drawn
      setPoint(event.latlng.lat, event.latlng.lng);
      onPosition({ geometry: pointGeometry(event.latlng.lat, event.latlng.lng), source: "carte" });
    });

    function pointGeometry(lat, lon) {
      return { type: "Point", coordinates: [Number(lon.toFixed(7)), Number(lat.toFixed(7))] };
    }

    function clear() {
      drawn.clearLayers();
      if (marker) { marker.remove(); marker = null; }
    }

    function setPoint(lat, lon) {
      clear();
      marker = L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 3, fillColor: "#d84315", fillOpacity: 1 }).addTo(map);
    }

    // Show a stored geometry (when an observation is edited).
    function show(geometry) {
      clear();
      if (!geometry) return;
      if (geometry.type === "Point") setPoint(geometry.coordinates[1], geometry.coordinates[0]);
      else drawn.addLayer(L.geoJSON(geometry, { style: STYLES.shape }));
    }

    function locate(onError) {
      if (!navigator.geolocation) { onError("Ce téléphone ne donne pas sa position."); return; }
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { latitude, longitude, accuracy } = position.coords;
          setPoint(latitude, longitude);
          map.setView([latitude, longitude], Math.max(map.getZoom(), 16));
          onPosition({ geometry: pointGeometry(latitude, longitude), source: "GPS", accuracy });
        },
        (err) => onError(err.code === 1 ? "La position a été refusée : autorisez-la dans le navigateur, ou touchez la carte." : "Position GPS indisponible : touchez la carte."),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 },
      );
    }

    // The observations waiting on the phone (this account's), hollow and orange.
    function showPending(items) {
      waiting.clearLayers();
      items.forEach((item) => {
        const geometry = item.observation && item.observation.geometry;
        if (!geometry) return;
        const layer = geometry.type === "Point"
          ? L.circleMarker([geometry.coordinates[1], geometry.coordinates[0]], { ...STYLES.pending, radius: 8, interactive: false })
          : L.geoJSON(geometry, { style: STYLES.pending, interactive: false });
        layer.addTo(waiting);
      });
    }

    return { map, clear, show, locate, showPending };
  }

  return { create };
})();
