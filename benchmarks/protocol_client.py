"""One commander opening the Carte de commandement without a browser: Streamlit's own protocol
from Python, plus the HTTP fetches the map's script does (benchmarks/map_opens.py --client protocol).

What a browser does, in order (Streamlit's frontend, `WebsocketConnection` and `App.tsx`):
1. GET the page (index.html; nginx's route cookie comes with it behind the proxy);
2. open a WebSocket to /_stcore/stream with the subprotocols `streamlit, <xsrf>, <session>`
   and the cookies (the app's session cookie signs the commander in: `st.context.cookies`);
3. send a BackMsg `rerun_script` with the page's name and address (ClientState), then read
   ForwardMsgs until `script_finished`;
4. the map component's script then asks the app's route for its reference layers and for its
   opening view (/api/map/reference/…, /api/map/observations?bbox=…&zoom=…): the addresses are
   read from the component's arguments, and the opening box is Leaflet's fit of the map's
   bounds on a map of MAP_PX (what fit_view.js does, without the legend's margin).

Nothing is drawn, nothing runs on the client's side but this: the time to the last message and
the bytes are the server's. Static files (Streamlit's and the component's scripts) are not
fetched: a returning commander's browser has them. Reference layers are kept as a browser
keeps them (by Cache-Control and ETag) in `cache`, shared by the round's clients as one
browser profile would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import math
import re
import time
import urllib.error
import urllib.request
from email.message import Message

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

MAP_PX = (1000, 600)  # the map's iframe at 1366×768 with the sidebar open (height=600 in ui/carte.py)
TILE = 256
GZIP_MAGIC = b"\x1f\x8b"
MAX_FIT_ZOOM = 15  # maps.review.OPENING_MAX_ZOOM
REFERENCE_FETCH = re.compile(r"fetch\(\"(/api/map/reference/[^\"]+)\"")
FIT_VIEW = re.compile(r"\(map_div, \[\[([-\d.e]+),([-\d.e]+)\],\[([-\d.e]+),([-\d.e]+)\]\]")  # fit_view.js
VIEW_OPTIONS = re.compile(r"\"url\":\"(/api/map/observations)\"")  # viewport.js


async def open_map(
    base_url: str, path: str, token: str, cookie_name: str, cache: dict, stack: contextlib.AsyncExitStack
) -> dict:
    """Open `path` (/carte…) signed in by `token`; return the bytes sent (WebSocket frames as they
    came over the socket, HTTP bodies as sent: gzip'd where the server compresses), `decoded`
    (the same, uncompressed: what Chromium's mode counts), the route's bytes, the time of the
    last message (perf_counter) and the number of ForwardMsgs. The WebSocket stays open (as a
    browser's tab keeps it) until `stack` closes: the session is in the server's memory."""
    jar = {cookie_name: token}
    received = {"bytes": 0, "decoded": 0, "http": 0, "route": 0, "static": 0, "messages": 0, "last": None}
    page = await _get(base_url + path, jar, received)
    received["http"] += page["size"]
    ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
    headers = {"Cookie": _cookie_header(jar), "Origin": base_url}
    script = ""
    socket = await stack.enter_async_context(
        websockets.connect(
            ws_url, subprotocols=["streamlit"], additional_headers=headers, max_size=None, create_connection=_Counted
        )
    )
    await socket.send(_rerun(base_url, path).SerializeToString())
    async for frame in socket:
        received["decoded"] += len(frame)
        received["bytes"] = received["http"] + socket.wire
        received["messages"] += 1
        received["last"] = time.perf_counter()
        message = ForwardMsg()
        message.ParseFromString(frame)
        script = _component_script(message) or script
        if message.WhichOneof("type") == "script_finished":
            break
    fetches = [_reference(base_url + url, jar, cache, received) for url in REFERENCE_FETCH.findall(script)]
    view = _view_url(script)
    if view:
        fetches.append(_route(base_url + view, jar, received))
    await asyncio.gather(*fetches)
    received["bytes"] = received["http"] + socket.wire
    return received


class _Counted(websockets.ClientConnection):
    """Counts the bytes that came over the socket (frames as sent: compressed when the server
    compresses, `server.enableWebsocketCompression`)."""

    wire = 0

    def data_received(self, data: bytes) -> None:
        self.wire += len(data)
        super().data_received(data)


def _rerun(base_url: str, path: str) -> BackMsg:
    message = BackMsg()
    state = message.rerun_script
    page, _, query = path.lstrip("/").partition("?")
    state.query_string = query
    state.page_name = page
    state.page_script_hash = ""
    state.context_info.timezone = "Europe/Paris"
    state.context_info.timezone_offset = -60
    state.context_info.locale = "fr-FR"
    state.context_info.url = base_url + path
    return message


def _component_script(message: ForwardMsg) -> str:
    """The map's Leaflet script, when this message is the streamlit-folium element."""
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return ""
    element = message.delta.new_element
    if element.WhichOneof("type") != "component_instance":
        return ""
    with contextlib.suppress(ValueError):
        return json.loads(element.component_instance.json_args).get("script", "") or ""
    return ""


def _view_url(script: str) -> str:
    """The opening view's address, as viewport.js asks it after fit_view.js framed the map."""
    fitted = FIT_VIEW.search(script)
    if not fitted or not VIEW_OPTIONS.search(script):
        return ""
    south, west, north, east = (float(value) for value in fitted.groups())
    width, height = MAP_PX
    zoom = min(
        MAX_FIT_ZOOM,
        math.floor(math.log2(width * 360 / (TILE * max(east - west, 1e-9)))),
        math.floor(math.log2(height / (TILE * max(_y(north) - _y(south), 1e-12)))),
    )
    scale = TILE * 2**zoom
    cx, cy = (_x(west) + _x(east)) / 2 * scale, (_y(north) + _y(south)) / 2 * scale
    x0, x1 = math.floor((cx - width / 2) / TILE) * TILE, math.ceil((cx + width / 2) / TILE) * TILE
    y0, y1 = math.floor((cy - height / 2) / TILE) * TILE, math.ceil((cy + height / 2) / TILE) * TILE
    box = [_lon(x0 / scale), _lat(y1 / scale), _lon(x1 / scale), _lat(y0 / scale)]
    return "/api/map/observations?bbox=" + ",".join(f"{value:.5f}" for value in box) + f"&zoom={zoom}"


def _x(lon: float) -> float:
    return (lon + 180) / 360


def _y(lat: float) -> float:  # web mercator, 0 at the top
    s = math.sin(math.radians(lat))
    return 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


def _lon(x: float) -> float:
    return x * 360 - 180


def _lat(y: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))


async def _reference(url: str, jar: dict, cache: dict, received: dict) -> None:
    """A reference layer as a browser fetches it: not at all while its copy is fresh, revalidated
    by its ETag otherwise."""
    kept = cache.get(url)
    if kept and kept["fresh_until"] > time.time():
        return
    headers = {"If-None-Match": kept["etag"]} if kept and kept.get("etag") else {}
    answer = await _route(url, jar, received, headers)
    if answer["status"] == 200:
        cache[url] = {"etag": answer["headers"].get("ETag"), "fresh_until": time.time() + _max_age(answer["headers"])}


async def _route(url: str, jar: dict, received: dict, headers: dict | None = None) -> dict:
    answer = await _get(url, jar, received, headers)
    received["http"] += answer["size"]
    received["decoded"] += answer["decoded"]
    received["route"] += answer["size"]
    received["last"] = time.perf_counter()
    return answer


def _max_age(headers: Message) -> float:
    found = re.search(r"max-age=(\d+)", headers.get("Cache-Control", "") or "")
    return float(found.group(1)) if found and "no-cache" not in headers.get("Cache-Control", "") else 0.0


async def _get(url: str, jar: dict, received: dict, headers: dict | None = None) -> dict:
    """GET in a thread (urllib), gzip accepted as a browser does; `size` is the body as sent."""

    def fetch() -> dict:
        request = urllib.request.Request(
            url, headers={"Accept-Encoding": "gzip", "Cookie": _cookie_header(jar), **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=180) as answer:
                body, status, got = answer.read(), answer.status, answer.headers
        except urllib.error.HTTPError as error:
            body, status, got = error.read(), error.code, error.headers
        for value in got.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
        if status >= 400 and status != 404:
            text = gzip.decompress(body) if body.startswith(GZIP_MAGIC) else body
            raise RuntimeError(f"{url}: HTTP {status} {text!r}")
        decoded = len(gzip.decompress(body)) if body.startswith(GZIP_MAGIC) else len(body)
        return {"status": status, "size": len(body), "decoded": decoded, "headers": got}

    return await asyncio.to_thread(fetch)


def _cookie_header(jar: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())
