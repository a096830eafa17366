// Observations on one canvas, redrawn after each move; points are projected with spherical
// Mercator by hand (Leaflet's per-point calls cost more at 100,000). Open observations are
// filled discs, treated or classed ones hollow rings, both in their gravité's colour.
//
// Clicks: the canvas sits in its own pane above the areas but lets pointer events through, so
// a click is caught on the map container in the capture phase, before any area (zone, sector,
// commune) sees it. On a point: its popup opens and the layer fires "click" with a tooltip
// « N° <id> », which streamlit-folium returns as last_object_clicked_tooltip; elsewhere the
// click goes on to the areas as usual.
if (!L.PsqPoints) {
  L.PsqPoints = L.Layer.extend({
    initialize: function (data, options) {
      L.setOptions(this, options);
      this.setData(data);
    },
    // New points (the map's route sends them for each view, assets/viewport.js); null: none.
    setData: function (data) {
      data = data || {n: 0, packed: {}, labels: {cat: [], st: [], sev: {}}, open: [], colors: {}};
      var types = {'<i4': Int32Array, 'u1': Uint8Array, 'i1': Int8Array};
      for (var name in data.packed) {
        var text = atob(data.packed[name][1]), bytes = new Uint8Array(text.length);
        for (var b = 0; b < text.length; b++) { bytes[b] = text.charCodeAt(b); }
        data[name] = new types[data.packed[name][0]](bytes.buffer);
      }
      delete data.packed;
      this._d = data;
      this._n = data.n;
      this._x = new Float32Array(this._n);
      this._y = new Float32Array(this._n);
      if (this._map) { this._redraw(); }
    },
    onAdd: function (map) {
      this._map = map;
      var c = this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide psq-points');
      c.style.pointerEvents = 'none';
      var pane = map.getPane(this.options.pane) || map.createPane(this.options.pane);
      pane.style.zIndex = this.options.zIndex;
      pane.style.pointerEvents = 'none';
      pane.appendChild(c);
      map.on('moveend zoomend resize viewreset', this._redraw, this);
      this._onClick = L.bind(this._click, this);
      map.getContainer().addEventListener('click', this._onClick, true);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off('moveend zoomend resize viewreset', this._redraw, this);
      map.getContainer().removeEventListener('click', this._onClick, true);
    },
    _radius: function (zoom, sev) {
      if (zoom <= 8) { return 0.8 + 0.45 * sev; }
      if (zoom <= 10) { return 1.5 + 0.5 * sev; }
      if (zoom <= 12) { return 2 + sev; }
      return 3 + 1.5 * sev;
    },
    _redraw: function () {
      var map = this._map, d = this._d, n = this._n, size = map.getSize(), c = this._canvas;
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
      var ratio = window.devicePixelRatio || 1;
      c.width = size.x * ratio; c.height = size.y * ratio;
      c.style.width = size.x + 'px'; c.style.height = size.y + 'px';
      var ctx = c.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), min = map.getPixelBounds().min;
      var R = Math.PI / 180, x = this._x, y = this._y, lat = d.lat, lon = d.lon, sev = d.sev;
      var st = d.st, open = d.open;
      for (var i = 0; i < n; i++) {
        var s = Math.sin(lat[i] * 1e-5 * R);
        x[i] = scale * (lon[i] * 1e-5 + 180) / 360 - min.x;
        y[i] = scale * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) - min.y;
      }
      // Always a dark edge (WCAG 1.4.11): the light gravités (1, 2) reach 3:1 on the map only by it.
      var edge = zoom >= 11 ? 1 : 0.75;
      for (var level = 1; level <= 4; level++) {
        var r = this._radius(zoom, level), filled = new Path2D(), hollow = new Path2D(), rims = new Path2D(), rings = 0;
        var rh = Math.max(r - 1, 1), lw = Math.min(2.5, Math.max(1, r / 2)), rim = rh + lw / 2 + edge / 2;
        for (var j = 0; j < n; j++) {
          if (sev[j] !== level || x[j] < -r || y[j] < -r || x[j] > size.x + r || y[j] > size.y + r) { continue; }
          if (open[st[j]]) {
            filled.moveTo(x[j] + r, y[j]);
            filled.arc(x[j], y[j], r, 0, 2 * Math.PI);
          } else {
            hollow.moveTo(x[j] + rh, y[j]);
            hollow.arc(x[j], y[j], rh, 0, 2 * Math.PI);
            rims.moveTo(x[j] + rim, y[j]);
            rims.arc(x[j], y[j], rim, 0, 2 * Math.PI);
            rings++;
          }
        }
        ctx.fillStyle = d.colors[level];
        ctx.globalAlpha = 0.85;
        ctx.fill(filled);
        ctx.globalAlpha = 1; ctx.lineWidth = edge; ctx.strokeStyle = '#222'; ctx.stroke(filled);
        if (rings) {
          ctx.globalAlpha = 0.7; ctx.fillStyle = '#ffffff'; ctx.fill(hollow);
          ctx.globalAlpha = 1; ctx.lineWidth = lw; ctx.strokeStyle = d.colors[level];
          ctx.stroke(hollow);
          ctx.lineWidth = edge; ctx.strokeStyle = '#222'; ctx.stroke(rims);  // a yellow ring alone is 1.4:1
        }
      }
      if (this.options.highlightOutside) {
        ctx.beginPath();
        for (var k = 0; k < n; k++) {
          if (!d.out[k] || x[k] < -8 || y[k] < -8 || x[k] > size.x + 8 || y[k] > size.y + 8) { continue; }
          var rr = this._radius(zoom, sev[k]) + 2;
          ctx.moveTo(x[k] + rr, y[k]);
          ctx.arc(x[k], y[k], rr, 0, 2 * Math.PI);
        }
        ctx.globalAlpha = 1; ctx.lineWidth = 2.5; ctx.strokeStyle = this.options.outsideColor; ctx.stroke();
      }
      this._drawnAt = Date.now();
      c.setAttribute('data-drawn', String(n));
    },
    // The nearest point within its radius (+3 px) of a container point, or -1.
    nearest: function (p) {
      var d = this._d, best = -1, bestDistance = 1e9, zoom = this._map.getZoom();
      for (var i = 0; i < this._n; i++) {
        var dx = this._x[i] - p.x, dy = this._y[i] - p.y, dist = dx * dx + dy * dy;
        var r = this._radius(zoom, d.sev[i]) + 3;
        if (dist <= r * r && dist <= bestDistance) { best = i; bestDistance = dist; }
      }
      return best;
    },
    _click: function (event) {
      var map = this._map, target = event.target;
      // Site symbols sit under the points (their pane is lower): a point drawn over one still wins.
      if (target.closest && target.closest('.leaflet-control, .leaflet-popup')) { return; }
      if (map.dragging && map.dragging.moved()) { return; }
      var best = this.nearest(map.mouseEventToContainerPoint(event));
      if (best < 0) { return; }
      event.stopPropagation();  // the areas below never see this click
      var d = this._d, latlng = L.latLng(d.lat[best] * 1e-5, d.lon[best] * 1e-5);
      var day = new Date(d.day[best] * 86400000).toISOString().slice(0, 10).split('-');
      var html = '<b>N° ' + d.id[best] + ' — ' + (d.labels.cat[d.cat[best]] || '') + '</b>'
        + '<br><i>Gravité</i> : ' + d.labels.sev[d.sev[best]]
        + '<br><i>Statut</i> : ' + (d.labels.st[d.st[best]] || '')
        + '<br><i>Date</i> : ' + day[2] + '/' + day[1] + '/' + day[0]
        + (d.out[best] ? '<br><i>Hors zone de patrouille</i>' : '')
        + (this.options.followUpHint ? '<br>' + this.options.followUpHint : '');
      L.popup({maxWidth: 320}).setLatLng(latlng).setContent(html).openOn(map);
      var hit = new L.Layer();
      hit.bindTooltip('N° ' + d.id[best]);
      this.fire('click', {latlng: latlng, sourceTarget: hit, observationId: d.id[best]});
    }
  });
}
