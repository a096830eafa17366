"""How long a browser may keep the files that never change under their address.

- streamlit-folium's build (`/component/streamlit_folium.st_folium/static/js/main.<hash>.js`):
  Streamlit sends `Cache-Control: public` with no lifetime nor validator, so a browser fetched
  its 225 KB again at every open of a map.
- static/vendor (`/app/static/vendor/…?v=<assets.lock's digest>`, as `assets.localize` links
  them): a new lock gives new addresses.

Both become `public, max-age=31536000, immutable`. Anything else (a vendor file asked without
the current version, Streamlit's own files, which it already marks immutable) passes untouched.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from diagnostics import assets

FOREVER = "public, max-age=31536000, immutable"


class StaticCacheMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or not unchanging(scope):
            await self.app(scope, receive, send)
            return

        async def send_kept(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(raw=list(message["headers"]))
                headers["cache-control"] = FOREVER
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, send_kept)


def unchanging(scope: Scope) -> bool:
    """True for a file whose address changes whenever its content does."""
    path: str = scope["path"]
    if "/component/" in path and "/static/" in path.split("/component/", 1)[1]:
        return True
    if "/app/static/vendor/" in path:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return query.get("v") == [assets.version()]
    return False
