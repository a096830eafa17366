// The legend as a Leaflet control: it stacks with the scale bar in its corner. It starts folded
// (a « Légende » button) on maps narrower or lower than `foldBelow` ([width, height]), where it
// would cover the map; once the person opens or folds it, it stays so in this tab.
(function (map, html, foldBelow) {
  var KEY = "psq-legend-open";
  function stored() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }
  function store(open) {
    try { window.sessionStorage.setItem(KEY, open ? "1" : "0"); } catch (e) { /* storage refused */ }
  }
  var Legend = L.Control.extend({
    options: {position: "bottomleft"},
    onAdd: function () {
      var box = L.DomUtil.create("div", "psq-legend leaflet-control");
      box.innerHTML = html;
      var details = box.querySelector("details");
      if (details) {
        var size = map.getSize(), choice = stored();
        details.open = choice !== null ? choice === "1" : size.x >= foldBelow[0] && size.y >= foldBelow[1];
        details.querySelector("summary").addEventListener("click", function () {
          store(!details.open);  // the click toggles it after this handler
        });
      }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });
  new Legend().addTo(map);
})
