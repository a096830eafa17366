// The commanders' map never traps the page's scrolling (a map 600 px high on an 844 px phone):
// on touch screens one finger scrolls the page and two fingers move the map (Leaflet's dragging
// off: the container then lets the browser pan the page; pinch-zoom still pans), with a hint on a
// one-finger drag; with a mouse the wheel zooms only once the person clicked or focused the map
// (a hint says so when the wheel merely passes over it), and scrolls the page again once the
// pointer leaves the map. Text is set with textContent only.
(function (map, texts) {
  var container = map.getContainer(), timer = null;
  var touch = L.Browser.mobile || (window.matchMedia && window.matchMedia('(pointer: coarse)').matches);
  var hint = L.DomUtil.create('div', 'psq-gesture-hint', container);
  hint.setAttribute('role', 'status');
  hint.style.display = 'none';
  function show(text) {
    hint.textContent = text;
    hint.style.display = '';
    clearTimeout(timer);
    timer = setTimeout(function () { hint.style.display = 'none'; }, 1800);
  }
  map.scrollWheelZoom.disable();
  container.setAttribute('data-psq-gestures', touch ? 'touch' : 'mouse');
  if (touch) {
    map.dragging.disable();
    L.DomEvent.on(container, 'touchmove', function (event) {
      if (event.touches && event.touches.length === 1) { show(texts.touch); }
    });
    return;
  }
  function wake() {
    if (!map.scrollWheelZoom.enabled()) { map.scrollWheelZoom.enable(); }
    hint.style.display = 'none';
  }
  L.DomEvent.on(container, 'mousedown focus', wake);
  L.DomEvent.on(container, 'mouseleave', function () { map.scrollWheelZoom.disable(); });
  L.DomEvent.on(container, 'wheel', function () {
    if (!map.scrollWheelZoom.enabled()) { show(texts.wheel); }
  });
})
