// Leaflet's scale bar in metres only (folium's control_scale also shows feet and miles).
(function (map) {
  L.control.scale({imperial: false, metric: true, maxWidth: 120}).addTo(map);
})
