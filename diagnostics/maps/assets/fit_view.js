// Frame the bounds without putting anything under the legend (bottom-left corner): the map keeps
// a margin as wide as the legend, or as high where the map is too narrow for that.
(function (map, bounds, margin) {
  var legend = map.getContainer().querySelector(".psq-legend");
  var left = margin, bottom = margin, size = map.getSize();
  if (legend && legend.offsetWidth) {
    if (size.x > 2.5 * legend.offsetWidth) { left = legend.offsetWidth + margin; }
    else { bottom = legend.offsetHeight + margin; }
  }
  map.fitBounds(bounds, {paddingTopLeft: [left, margin], paddingBottomRight: [margin, bottom]});
})
