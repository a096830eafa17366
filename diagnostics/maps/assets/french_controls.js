// Leaflet's own controls speak English (« Zoom in », « Layers », the attribution's « A JavaScript
// library for interactive maps »). This runs right after the map is made, before any other
// control: the zoom buttons are made again with French titles, the layer control (added later)
// gets a French title when it is laid out, and the attribution prefix is French.
(function (map, texts) {
  var zoom = L.Control.Zoom.prototype.options;
  zoom.zoomInTitle = texts.zoomIn;
  zoom.zoomOutTitle = texts.zoomOut;
  if (map.zoomControl) {
    map.removeControl(map.zoomControl);
    map.zoomControl = L.control.zoom().addTo(map);
  }
  var layers = L.Control.Layers.prototype;
  if (!layers.psqFrench) {
    var initLayout = layers._initLayout;
    layers._initLayout = function () {
      initLayout.call(this);
      if (this._layersLink) {
        this._layersLink.title = texts.layers;
        this._layersLink.setAttribute("aria-label", texts.layers);
      }
    };
    layers.psqFrench = true;
  }
  if (map.attributionControl) {
    var link = document.createElement("a");
    link.href = "https://leafletjs.com";
    link.title = texts.leaflet;
    link.textContent = "Leaflet";
    map.attributionControl.setPrefix(link.outerHTML);
  }
})
