// A basemap whose tiles travel inside the page (data: URIs keyed "z/x/y"), for a map opened
// from an e-mail with no network. Past the last embedded level Leaflet enlarges it; a missing
// tile is a transparent pixel, so the commune boundaries stay the base there.
(function (map, tiles, options) {
  var EMPTY = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
  var Embedded = L.TileLayer.extend({
    getTileUrl: function (coords) {
      return tiles[coords.z + "/" + coords.x + "/" + coords.y] || EMPTY;
    }
  });
  new Embedded("", options).addTo(map);
})
