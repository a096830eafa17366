// Areas fetched from the app as a compact topology (diagnostics/maps/topology.py) are turned
// back into GeoJSON for L.geoJSON: points are whole units of `scale` degree written as
// differences from the point before (across arcs); a ring is its arcs end to end (~i: arc i
// walked backwards), each arc after the first starting where the previous one ended.
// Anything else (GeoJSON) is returned as it is.
(function () {
  // Areas that carry their names' places (`label`: lat, lon, zoom; communes) hand them to the
  // map's commune labels (commune_labels.js), the name being the area's (escaped) tooltip.
  window.psqAreaLabels = function (map, areas) {
    var labelled = areas.features.filter(function (f) { return f.properties.label; });
    if (!labelled.length || !map.psqCommuneLabels) { return; }
    map.psqCommuneLabels(labelled.map(function (f) { return [f.properties.tooltip].concat(f.properties.label); }));
  };
  window.psqAreas = function (data) {
    if (!data || data.type !== 'PsqTopology') { return data; }
    var scale = data.scale, x = 0, y = 0;  // differences run on from one arc to the next
    var arcs = data.arcs.map(function (flat) {
      var points = [];
      for (var i = 0; i + 1 < flat.length; i += 2) {
        x += flat[i];
        y += flat[i + 1];
        points.push([Math.round(x) * scale, Math.round(y) * scale]);
      }
      return points;
    });
    function ring(refs) {
      var points = [];
      refs.forEach(function (ref, n) {
        var arc = ref >= 0 ? arcs[ref] : arcs[~ref].slice().reverse();
        points.push.apply(points, n ? arc.slice(1) : arc);
      });
      return points;
    }
    return {
      type: 'FeatureCollection',
      features: data.areas.map(function (area) {
        return {
          type: 'Feature',
          properties: area.properties,
          geometry: {type: 'MultiPolygon', coordinates: area.polygons.map(function (rings) { return rings.map(ring); })}
        };
      })
    };
  };
})
