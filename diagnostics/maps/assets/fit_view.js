// Frame the bounds without putting anything under the legend (bottom-left corner): the map keeps
// a margin as wide as the legend, or as high where the map is too narrow for that.
// streamlit-folium draws the map before its iframe has its final size (the legend then measures
// 0 px): the frame is set again whenever the map's size changes, until the person moves the map.
(function (map, bounds, margin) {
  var touched = false, container = map.getContainer();
  function fit() {
    if (touched) { return; }
    map.invalidateSize({pan: false});
    var legend = container.querySelector(".psq-legend");
    var left = margin, bottom = margin, size = map.getSize();
    if (legend && legend.offsetWidth) {
      if (size.x > 2.5 * legend.offsetWidth) { left = legend.offsetWidth + margin; }
      else { bottom = legend.offsetHeight + margin; }
    }
    map.fitBounds(bounds, {paddingTopLeft: [left, margin], paddingBottomRight: [margin, bottom], animate: false});
  }
  fit();
  L.DomEvent.on(container, "mousedown touchstart wheel keydown", function () { touched = true; });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { fit(); }).observe(container);
  } else {
    map.on("resize", fit);
  }
})
