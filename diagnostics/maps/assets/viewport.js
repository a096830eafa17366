// The commanders' map at every zoom (issue 20): after each move the map asks the app's route
// for what the view needs, without a Streamlit rerun: cells with counts (drawn as proportional
// discs, each inside its own cell of the grid, coloured by the share of grave or critique
// observations, the counts by gravité and statut in a tooltip), or the
// points of the view, handed to the canvas layer (L.PsqPoints: a click on one still returns
// « N° <id> » to the page).
//
// The page's filters are read from the page's own address (the sidebar writes them there), so
// a change of filter fetches again without rebuilding this map; the view goes to that address
// too (`carte=zoom/lat/lon`), so a reload opens here. The box asked is the view widened to whole
// 256-pixel squares: a small pan asks the same address, which the browser revalidates (304).
// With the page's heatmap switch on (options.heatParam=1 in its address), the same answers feed
// the heatmap instead of the discs: each cell weighted by its gravités, each point by its own.
// Text is set with textContent only.
(function (map, options, points, heat) {
  var container = map.getContainer(), timer = null, controller = null, asked = null, count = 0, last = null;
  var pane = map.getPane('psqCells') || map.createPane('psqCells');
  pane.style.zIndex = 620;
  var layer = L.DomUtil.create('div', 'psq-cells leaflet-zoom-hide', pane), drawn = [];
  var status = L.control({position: 'topright'});
  status.onAdd = function () {
    var box = L.DomUtil.create('div', 'psq-view-status');
    box.setAttribute('role', 'status');
    box.setAttribute('aria-live', 'polite');
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  status.addTo(map);
  var tip = L.tooltip({direction: 'auto', offset: [0, -8], className: 'psq-cell-tip'});

  function page() {
    try { return window.parent.location; } catch (e) { return null; }  // not the app's page
  }
  function filters() {
    var where = page(), out = new URLSearchParams();
    if (!where) { return ''; }
    var params = new URLSearchParams(where.search);
    options.filterParams.forEach(function (name) { if (params.has(name)) { out.set(name, params.get(name)); } });
    return out.toString();
  }
  function say(text) {
    var box = status.getContainer();
    box.textContent = text;
    box.style.display = text ? '' : 'none';
  }
  function box() {
    var zoom = map.getZoom(), bounds = map.getPixelBounds(), unit = 256;
    var min = L.point(Math.floor(bounds.min.x / unit) * unit, Math.floor(bounds.min.y / unit) * unit);
    var max = L.point(Math.ceil(bounds.max.x / unit) * unit, Math.ceil(bounds.max.y / unit) * unit);
    var nw = map.unproject(min, zoom), se = map.unproject(max, zoom);
    var lng = function (v) { return Math.max(-180, Math.min(180, v)).toFixed(5); };
    var lat = function (v) { return Math.max(-85, Math.min(85, v)).toFixed(5); };
    return [lng(nw.lng), lat(se.lat), lng(se.lng), lat(nw.lat)].join(',');
  }
  function pageParam(name) {
    var where = page();
    return where && name ? new URLSearchParams(where.search).get(name) : null;
  }
  function heatOn() {
    return Boolean(heat) && pageParam(options.heatParam) === '1';
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(fetchView, 150);
  }
  function fetchView() {
    var chosen = filters(), zoom = map.getZoom();
    var url = options.url + '?bbox=' + box() + '&zoom=' + zoom + (chosen ? '&' + chosen : '');
    writeView();
    if (url === asked) { return; }
    asked = url;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    count += 1;
    container.setAttribute('data-psq-requests', String(count));
    container.setAttribute('data-psq-state', 'loading');
    fetch(url, {credentials: 'same-origin', signal: controller ? controller.signal : undefined})
      .then(function (answer) {
        if (answer.ok) { return answer.json(); }
        return answer.json().catch(function () { return {}; }).then(function (body) {
          throw new Error(body.erreur || ('HTTP ' + answer.status));
        });
      })
      .then(function (data) { if (url === asked) { draw(data); } })
      .catch(function (error) {
        if (error.name === 'AbortError') { return; }
        asked = null;
        container.setAttribute('data-psq-state', 'error');
        say(options.texts.failed + error.message);
      });
  }
  function draw(data) {
    var warm = heatOn();
    clearCells();
    last = data;
    if (data.mode === 'points') {
      points.options.highlightOutside = pageParam(options.outsideParam) === '1';  // all are, then
      points.setData(data.points);
      say('');
    } else {
      points.setData(null);
      if (warm) {
        say(data.total ? options.texts.zoomHint : '');
      } else {
        drawCells(data);
        if (data.total) { cellLegend(); } else { say(''); }
      }
    }
    drawHeat(data, warm);
    container.setAttribute('data-psq-mode', data.mode);
    container.setAttribute('data-psq-total', String(data.total));
    container.setAttribute('data-psq-zoom', String(data.zoom));
    container.setAttribute('data-psq-state', 'drawn');
  }
  function drawHeat(data, warm) {
    container.setAttribute('data-psq-heat', warm ? 'on' : 'off');
    if (!heat) { return; }
    if (!warm) {
      if (map.hasLayer(heat)) { map.removeLayer(heat); }
      return;
    }
    var list = [], radius = options.heatRadius[0], blur = options.heatRadius[1];
    if (data.mode === 'points') {
      var d = points._d;  // the payload as the canvas layer decoded it
      for (var i = 0; i < d.n; i++) { list.push([d.lat[i] * 1e-5, d.lon[i] * 1e-5, d.sev[i] / 4]); }
    } else {
      var col = {}, most = 0;
      data.columns.forEach(function (name, i) { col[name] = i; });
      var weight = function (row) { return row[col.g1] + 2 * row[col.g2] + 3 * row[col.g3] + 4 * row[col.g4]; };
      data.cells.forEach(function (row) { most = Math.max(most, weight(row)); });
      data.cells.forEach(function (row) {
        list.push([row[col.lat] * 1e-5, row[col.lon] * 1e-5, weight(row) / most]);
      });
      radius = data.cell * 0.55;  // one blob per cell of the grid, meeting its neighbours'
      blur = data.cell * 0.45;
    }
    // maxZoom: the weights are the view's own, not to be faded again by zoom (leaflet.heat does).
    heat.setOptions({radius: radius, blur: blur, maxZoom: map.getZoom(), max: 1});
    heat.setLatLngs(list);
    if (!map.hasLayer(heat)) { map.addLayer(heat); }
  }
  function clearCells() {
    map.closeTooltip(tip);
    layer.textContent = '';
    drawn = [];
  }
  function drawCells(data) {
    var col = {}, most = 1, cell = data.cell, inner = cell - 4;
    data.columns.forEach(function (name, i) { col[name] = i; });
    data.cells.forEach(function (row) { most = Math.max(most, row[col.n]); });
    data.cells.forEach(function (row) {
      var n = row[col.n], grave = (row[col.g3] + row[col.g4]) / n, label = n.toLocaleString('fr-FR');
      // Colour: the share of grave or critique observations, by quarter (the status box says so).
      var level = Math.min(4, 1 + Math.floor(grave * 4));
      // Within its own cell of the grid: neighbours never overlap nor hide each other's counts.
      var size = Math.round(Math.min(inner, Math.max(18, 8 + 7 * label.length, Math.sqrt(n / most) * inner)));
      var disc = L.DomUtil.create('div', 'psq-cell psq-cell-' + level, layer);
      disc.style.width = disc.style.height = size + 'px';
      disc.style.marginLeft = disc.style.marginTop = (-size / 2) + 'px';
      disc.style.background = options.colors[level];
      disc.textContent = label;
      disc.setAttribute('data-count', String(n));
      disc.setAttribute('data-grave', String(Math.round(grave * 100)));
      var latlng = L.latLng(row[col.lat] * 1e-5, row[col.lon] * 1e-5);
      var at = map.project(latlng, data.zoom), half = size / 2 + 1;
      var clamp = function (v, start) { return Math.max(start + half, Math.min(start + cell - half, v)); };
      var centre = map.unproject(L.point(clamp(at.x, row[col.x] * cell), clamp(at.y, row[col.y] * cell)), data.zoom);
      drawn.push({element: disc, latlng: centre});
      L.DomEvent.on(disc, 'mouseenter', function () { tip.setContent(card(row, col)).setLatLng(centre).openOn(map); });
      L.DomEvent.on(disc, 'mouseleave', function () { map.closeTooltip(tip); });
      L.DomEvent.on(disc, 'click', function (event) {
        L.DomEvent.stop(event);  // nor the areas below nor the page hear it: a zoom, no rerun
        map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
      });
    });
    place();
  }
  function cellLegend() {
    var box = status.getContainer();
    box.textContent = '';
    var hint = document.createElement('div');
    hint.textContent = options.texts.zoomHint;
    box.appendChild(hint);
    var title = document.createElement('strong');
    title.textContent = options.texts.cellColour;
    box.appendChild(title);
    options.texts.cellShares.forEach(function (text, i) {
      var line = document.createElement('div'), swatch = document.createElement('span');
      swatch.className = 'psq-cell-swatch';
      swatch.style.background = options.colors[i + 1];
      line.appendChild(swatch);
      line.appendChild(document.createTextNode(text));
      box.appendChild(line);
    });
    box.style.display = '';
  }
  function card(row, col) {
    var box = document.createElement('div');
    var line = function (text, bold) {
      var p = document.createElement(bold ? 'strong' : 'div');
      p.textContent = text;
      box.appendChild(p);
    };
    line(row[col.n].toLocaleString('fr-FR') + ' ' + options.texts.observations, true);
    var bySeverity = [], byStatus = [];
    for (var g = 4; g >= 1; g--) {
      if (row[col['g' + g]]) { bySeverity.push(options.severities[g] + ' ' + row[col['g' + g]].toLocaleString('fr-FR')); }
    }
    options.statuses.forEach(function (label, i) {
      var value = row[col.n + 5 + i];
      if (value) { byStatus.push(label + ' ' + value.toLocaleString('fr-FR')); }
    });
    line(options.texts.gravity + ' : ' + bySeverity.join(', '));
    line(options.texts.status + ' : ' + byStatus.join(', '));
    return box;
  }
  function place() {
    drawn.forEach(function (cell) {
      L.DomUtil.setPosition(cell.element, map.latLngToLayerPoint(cell.latlng));
    });
  }
  function writeView() {
    var where = page();
    if (!where || !options.viewParam) { return; }
    var c = map.getCenter(), params = new URLSearchParams(where.search);
    var value = map.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5);
    if (params.get(options.viewParam) === value) { return; }
    params.set(options.viewParam, value);
    try {
      window.parent.history.replaceState(window.parent.history.state, '', where.pathname + '?' + params.toString());
    } catch (e) { /* the page refused: the view is not kept */ }
  }
  var seen = filters(), warmSeen = heatOn();
  setInterval(function () {
    var now = filters(), warm = heatOn();
    if (now !== seen) { seen = now; later(); }
    if (warm !== warmSeen) { warmSeen = warm; if (last) { draw(last); } }  // no new request
    // A rerun that writes another parameter (a toggle) sends the page's address as the server
    // last knew it, with an old view: put this map's own back.
    writeView();
  }, 400);
  map.on('moveend', later);
  map.on('zoomend viewreset', place);
  // A fitted map asks as soon as its opening fit is done (fit_view.js); otherwise (a view from
  // the address) after the debounce.
  map.once('psqfitted', function () { clearTimeout(timer); fetchView(); });
  later();
})
