// Leaflet.draw's texts in French (L.drawLocal), set before its toolbar is made.
(function (map) {
  if (!L.drawLocal) { return; }
  var d = L.drawLocal;
  d.draw.toolbar.actions = {title: "Annuler le tracé", text: "Annuler"};
  d.draw.toolbar.finish = {title: "Terminer le tracé", text: "Terminer"};
  d.draw.toolbar.undo = {title: "Supprimer le dernier point placé", text: "Supprimer le dernier point"};
  d.draw.toolbar.buttons = {
    polyline: "Tracer une ligne",
    polygon: "Tracer une zone (polygone)",
    rectangle: "Tracer un rectangle",
    circle: "Tracer un cercle",
    marker: "Placer un point",
    circlemarker: "Placer un point"
  };
  d.draw.handlers.circle = {tooltip: {start: "Cliquez et faites glisser pour tracer un cercle."}, radius: "Rayon"};
  d.draw.handlers.circlemarker = {tooltip: {start: "Cliquez sur la carte pour placer le point."}};
  d.draw.handlers.marker = {tooltip: {start: "Cliquez sur la carte pour placer le point."}};
  d.draw.handlers.polygon = {tooltip: {
    start: "Touchez la carte pour placer le premier sommet.",
    cont: "Touchez pour placer le sommet suivant.",
    end: "Touchez le premier sommet pour fermer la zone, ou « Terminer »."
  }};
  d.draw.handlers.polyline = {
    error: "<strong>Erreur :</strong> les côtés ne peuvent pas se croiser.",
    tooltip: {
      start: "Touchez la carte pour commencer la ligne.",
      cont: "Touchez pour continuer la ligne.",
      end: "Touchez le dernier point ou « Terminer » pour finir la ligne."
    }
  };
  d.draw.handlers.rectangle = {tooltip: {start: "Cliquez et faites glisser pour tracer un rectangle."}};
  d.draw.handlers.simpleshape = {tooltip: {end: "Relâchez pour terminer le tracé."}};
  d.edit.toolbar.actions = {
    save: {title: "Enregistrer les modifications", text: "Enregistrer"},
    cancel: {title: "Annuler les modifications", text: "Annuler"},
    clearAll: {title: "Tout effacer", text: "Tout effacer"}
  };
  d.edit.toolbar.buttons = {
    edit: "Modifier les tracés",
    editDisabled: "Aucun tracé à modifier",
    remove: "Supprimer des tracés",
    removeDisabled: "Aucun tracé à supprimer"
  };
  d.edit.handlers.edit = {tooltip: {
    text: "Faites glisser les poignées ou les points pour modifier.",
    subtext: "« Annuler » rétablit le tracé d'origine."
  }};
  d.edit.handlers.remove = {tooltip: {text: "Cliquez sur un tracé pour le supprimer."}};
})
