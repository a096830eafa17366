// On touch screens one finger scrolls the page and two fingers move the map: Leaflet's own
// dragging is turned off there (pinch-zoom still pans), and controls get larger.
(function (map) {
  if (L.Browser.mobile) { map.dragging.disable(); }
  var style = document.createElement("style");
  // Zoom buttons thumb-sized; leaflet-draw's sprite icons keep their size but get room.
  style.textContent = ".leaflet-touch .leaflet-control-zoom a"
    + "{width:44px !important;height:44px !important;line-height:44px !important}"
    + ".leaflet-touch .leaflet-draw-toolbar a{margin:2px 0}"
    + ".psq-locate{font:600 15px sans-serif;padding:0 10px;background:#fff;border:2px solid"
    + " rgba(0,0,0,.3);border-radius:6px;min-height:44px;cursor:pointer}"
    + ".psq-locate-status{background:rgba(255,255,255,.95);padding:6px 8px;border-radius:6px;"
    + "max-width:240px;font:13px sans-serif;margin-top:4px}";
  document.head.appendChild(style);
})
