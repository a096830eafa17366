// Frame the bounds without putting anything under the legend (bottom-left corner): the map keeps
// a margin as wide as the legend, or as high where the map is too narrow for that. The frame is
// set again when the map is resized (streamlit-folium sizes its iframe after the first draw)
// until the person moves the map.
(function (map, bounds, margin) {
  var touched = false;
  function fit() {
    var legend = map.getContainer().querySelector(".psq-legend");
    var left = margin, bottom = margin, size = map.getSize();
    if (legend && legend.offsetWidth) {
      if (size.x > 2.5 * legend.offsetWidth) { left = legend.offsetWidth + margin; }
      else { bottom = legend.offsetHeight + margin; }
    }
    map.fitBounds(bounds, {paddingTopLeft: [left, margin], paddingBottomRight: [margin, bottom], animate: false});
  }
  fit();
  L.DomEvent.on(map.getContainer(), "mousedown touchstart wheel keydown", function () { touched = true; });
  map.on("resize", function () { if (!touched) { fit(); } });
  map.whenReady(function () { setTimeout(function () { if (!touched) { fit(); } }, 0); });
})
