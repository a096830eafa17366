// Leaflet focuses its container on mousedown (keyboard navigation) and restores the scroll of its
// own window only; inside streamlit-folium's iframe the page around then scrolls to show the
// whole map, which moves it under the pointer between mousedown and click: the click lands tens
// of pixels away from the point aimed at. Focus without scrolling instead.
(function (map) {
  if (!map.keyboard) { return; }
  var keyboard = map.keyboard, enabled = keyboard.enabled();
  if (enabled) { keyboard.disable(); }
  keyboard._onMouseDown = function () {
    if (this._focused) { return; }
    this._map.getContainer().focus({preventScroll: true});
  };
  if (enabled) { keyboard.enable(); }
})
