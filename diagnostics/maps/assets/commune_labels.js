// Commune names as text in their own pane (never clickable), redrawn after each move: only the
// names inside the view whose smallest zoom is reached. labels: [[name (escaped), lat, lon, zoom]],
// or given later through map.psqCommuneLabels(labels) (with the communes fetched from the app).
(function (map, labels, pane) {
  var shown = L.layerGroup().addTo(map);
  map.psqCommuneLabels = function (given) { labels = given; redraw(); };
  function redraw() {
    shown.clearLayers();
    var zoom = map.getZoom(), view = map.getBounds().pad(0.1);
    for (var i = 0; i < labels.length; i++) {
      var label = labels[i];
      if (zoom < label[3] || !view.contains([label[1], label[2]])) { continue; }
      shown.addLayer(L.marker([label[1], label[2]], {
        pane: pane,
        interactive: false,
        keyboard: false,
        icon: L.divIcon({className: "psq-commune-label", html: "<span>" + label[0] + "</span>", iconSize: null, iconAnchor: [0, 0]})
      }));
    }
  }
  map.on("moveend zoomend", redraw);
  map.whenReady(redraw);
})
