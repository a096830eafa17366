// While a line or polygon is being drawn, a tap places a vertex, not the observation's point:
// streamlit-folium records every map click (and reruns the page), so the click it recorded is
// put back as it was before the drawing started, before its debounced report (250 ms) is sent.
(function (map) {
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
