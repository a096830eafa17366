// Frame the bounds without putting anything under the legend (bottom-left corner): the map keeps
// a margin as wide as the legend, or as high where the map is too narrow for that.
// streamlit-folium may draw the map before its iframe is laid out, when the legend measures 0 px:
// its expected size (`expected`: [width, height] open, [width, height] folded, fold-below width
// and height, as legend.js decides; a choice the person made in this tab is read from storage)
// stands in then, and the frame is set again whenever the map's size changes, until the person
// moves the map. `maxZoom` (optional) caps the fitted zoom: a few close points do not open on an
// almost empty map at zoom 18.
(function (map, bounds, margin, expected, maxZoom) {
  var touched = false, container = map.getContainer();
  function legendSize(size) {
    var legend = container.querySelector(".psq-legend");
    if (legend && legend.offsetWidth) { return [legend.offsetWidth, legend.offsetHeight]; }
    if (!expected) { return [0, 0]; }
    var stored = null;
    try { stored = window.sessionStorage.getItem("psq-legend-open"); } catch (e) { /* storage refused */ }
    var folded = stored !== null ? stored === "0" : size.x < expected[2] || size.y < expected[3];
    return folded ? expected[1] : expected[0];
  }
  function fit() {
    if (touched) { return; }
    map.invalidateSize({pan: false});
    var size = map.getSize(), legend = legendSize(size), left = margin, bottom = margin;
    if (legend[0]) {
      if (size.x > 2.5 * legend[0]) { left = legend[0] + margin; } else { bottom = legend[1] + margin; }
    }
    container.setAttribute("data-fit", [size.x, size.y, legend[0], legend[1], left, bottom].join(","));
    map.fitBounds(bounds, {paddingTopLeft: [left, margin], paddingBottomRight: [margin, bottom], animate: false,
                          maxZoom: maxZoom || map.getMaxZoom()});
  }
  fit();
  L.DomEvent.on(container, "mousedown touchstart wheel keydown", function () { touched = true; });
  if (window.ResizeObserver) {
    new ResizeObserver(function () { fit(); }).observe(container);
  } else {
    map.on("resize", fit);
  }
  // The last fit of the opening fires `psqfitted`: the viewport layer asks for its first view
  // then, at the frame the person will see, rather than after its debounce.
  map.whenReady(function () { setTimeout(function () { fit(); map.fire('psqfitted'); }, 50); });
})
