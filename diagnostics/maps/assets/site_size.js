// Site symbols are 26 px wide: at the département's zoom they would hide the observations of a
// whole town (Gray, Vesoul). Below zoom `fullFrom` the map's container carries a class that
// draws them at half size (sites.css); they grow back from that zoom on.
(function (map, fullFrom) {
  var container = map.getContainer();
  function update() {
    if (map.getZoom() < fullFrom) {
      L.DomUtil.addClass(container, "psq-sites-small");
    } else {
      L.DomUtil.removeClass(container, "psq-sites-small");
    }
  }
  map.on("zoomend", update);
  map.whenReady(update);
})
