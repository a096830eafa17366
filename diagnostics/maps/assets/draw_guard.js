// Drawing a line or polygon on a phone, one vertex at a time.
(function (map) {
  // Leaflet.draw 1.0.4 places a vertex twice per tap under Leaflet 1.9: once from the touch
  // (`_onTouch`) and once from the mouse events the browser sends after it, and the second one,
  // landing on the vertex just placed, reads as « finish »: a line ended at its second tap.
  // The mouse events are always sent after a tap, so the touch path is left out.
  // (Leaflet/Leaflet.draw#1026: touch drawing with Leaflet >= 1.8.)
  if (L.Draw && L.Draw.Polyline) { L.Draw.Polyline.prototype._onTouch = function () {}; }

  // While drawing, a tap places a vertex, not the observation's point: streamlit-folium records
  // every map click (and reruns the page), so the click it recorded is put back as it was when
  // the drawing started, before its debounced report (250 ms) is sent.
  var drawing = false, before = null;
  map.on("draw:drawstart", function () {
    drawing = true;
    before = window.__GLOBAL_DATA__ ? window.__GLOBAL_DATA__.lat_lng_clicked : null;
  });
  map.on("draw:drawstop", function () { drawing = false; });
  map.on("click", function () {
    if (!drawing) { return; }
    setTimeout(function () {  // after streamlit-folium's own click handler has run
      if (window.__GLOBAL_DATA__) { window.__GLOBAL_DATA__.lat_lng_clicked = before; }
    }, 0);
  });
})
