// « Ma position »: the browser's geolocation, shown with its accuracy, reported to the page as a
// map click (what streamlit-folium returns), so it fills the position fields like a tap. A
// refused permission or a failure is explained in French inside the map.
(function (map) {
  var Control = L.Control.extend({
    options: {position: "topright"},
    onAdd: function () {
      var box = L.DomUtil.create("div", "psq-locate-box");
      var button = L.DomUtil.create("button", "psq-locate", box);
      button.type = "button";
      button.textContent = "Ma position";
      var status = L.DomUtil.create("div", "psq-locate-status", box);
      status.style.display = "none";
      L.DomEvent.disableClickPropagation(box);
      var say = function (text) { status.textContent = text; status.style.display = "block"; };
      var marker = null;
      button.addEventListener("click", function () {
        if (!navigator.geolocation) {
          say("Ce navigateur ne donne pas la position : placez le point sur la carte.");
          return;
        }
        say("Recherche de la position…");
        navigator.geolocation.getCurrentPosition(function (pos) {
          var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
          var accuracy = Math.round(pos.coords.accuracy);
          if (marker) { map.removeLayer(marker); }
          marker = L.circle(latlng, {radius: accuracy, weight: 1, color: "#0055a4"}).addTo(map);
          map.setView(latlng, Math.max(map.getZoom(), 16));
          say("Position trouvée, précision \u00b1 " + accuracy + " m.");
          map.fire("click", {latlng: latlng});
        }, function (error) {
          if (error.code === 1) {
            say("Accès à la position refusé. Autorisez la localisation pour ce site dans les "
              + "réglages du navigateur, ou touchez la carte, ou saisissez les coordonnées.");
          } else if (error.code === 3) {
            say("La position n'a pas été trouvée à temps (pas de signal GPS ?) : réessayez "
              + "à découvert ou placez le point sur la carte.");
          } else {
            say("Position indisponible : placez le point sur la carte ou saisissez les coordonnées.");
          }
        }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 30000});
      });
      return box;
    }
  });
  new Control().addTo(map);
})
