// The legend as a Leaflet control: it stacks with the scale bar in its corner and starts folded
// on small screens, where it would cover the map.
(function (map, html, foldBelow) {
  var Legend = L.Control.extend({
    options: {position: "bottomleft"},
    onAdd: function () {
      var box = L.DomUtil.create("div", "psq-legend leaflet-control");
      box.innerHTML = html;
      var details = box.querySelector("details");
      if (details && map.getSize().x < foldBelow) { details.open = false; }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }
  });
  new Legend().addTo(map);
})
