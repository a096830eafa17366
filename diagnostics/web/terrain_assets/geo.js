// Pure helpers of the field page: point in polygon, photo resizing, safe DOM text.
"use strict";

const Geo = (() => {
  // Ray casting on one ring of [lon, lat] positions.
  function inRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  // A polygon is its outer ring minus its holes.
  function inPolygon(lon, lat, rings) {
    if (!rings.length || !inRing(lon, lat, rings[0])) return false;
    return !rings.slice(1).some((hole) => inRing(lon, lat, hole));
  }

  // GeoJSON Polygon or MultiPolygon geometry.
  function contains(geometry, lon, lat) {
    if (!geometry) return false;
    if (geometry.type === "Polygon") return inPolygon(lon, lat, geometry.coordinates);
    if (geometry.type === "MultiPolygon") return geometry.coordinates.some((rings) => inPolygon(lon, lat, rings));
    return false;
  }

  // Metres from (lon, lat) to the nearest edge of a Polygon/MultiPolygon: an equirectangular
  // projection around the point, plenty for "is it within a few hundred metres".
  function distanceToBoundary(geometry, lon, lat) {
    const kx = 111320 * Math.cos((lat * Math.PI) / 180);
    const ky = 110540;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    let best = Infinity;
    for (const ring of polygons.flat()) {
      for (let i = 1; i < ring.length; i += 1) {
        const ax = (ring[i - 1][0] - lon) * kx, ay = (ring[i - 1][1] - lat) * ky;
        const bx = (ring[i][0] - lon) * kx, by = (ring[i][1] - lat) * ky;
        const dx = bx - ax, dy = by - ay;
        const t = dx || dy ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy))) : 0;
        best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
      }
    }
    return best;
  }

  // The photo drawn on a canvas no larger than maxSide: a JPEG Blob without the camera's metadata.
  async function resizePhoto(file, maxSide) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.round(bitmap.width * scale);
    const height = Math.round(bitmap.height * scale);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
    if (!blob) throw new Error("photo illisible");
    return { blob, width, height };
  }

  function blobToBase64(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(",", 2)[1]);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  // An element whose content is plain text: user text never goes through innerHTML.
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // Text for the few Leaflet options that take HTML (a layer's attribution).
  function escapeText(text) {
    const node = document.createElement("span");
    node.textContent = String(text || "");
    return node.innerHTML;
  }

  // 2026-12-01 → 01/12/2026
  function frenchDate(iso) {
    const [y, m, d] = String(iso || "").split("-");
    return d ? `${d}/${m}/${y}` : "";
  }

  // Today in Paris, as YYYY-MM-DD.
  function todayParis() {
    const parts = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date());
    const get = (type) => parts.find((p) => p.type === type).value;
    return `${get("year")}-${get("month")}-${get("day")}`;
  }

  const decimal = (value, digits) => Number(value).toFixed(digits).replace(".", ",");

  return { contains, distanceToBoundary, resizePhoto, blobToBase64, el, escapeText, frenchDate, todayParis, decimal };
})();
