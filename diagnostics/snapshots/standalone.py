"""One self-contained HTML file from a folium map: every script and stylesheet inlined.

A mayor receives the map by email and may open it with no network at all, so the file carries
Leaflet, jQuery and the plugins it uses (the copies installed by `make assets` in static/vendor,
the same ones the app serves), and the images their stylesheets point to as ``data:`` URIs.

Only basemap tiles, when a tile source is configured, are fetched by the reader's browser; the
map draws without them.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from html.parser import HTMLParser
from pathlib import Path

import folium
from branca.element import Element

from diagnostics import assets
from diagnostics.assets import AssetNotAvailable

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)


def inline_assets(m: folium.Map) -> str:
    """The map rendered as one HTML document with its JS and CSS inlined.

    Raises AssetNotAvailable when an element needs a file the app has no local copy of, or when
    static/vendor is not installed (`make assets`). Call it on the finished map; it changes the
    map's elements (their asset lists are emptied), so render a map only once.
    """
    scripts, styles = _collect_assets(m)
    block = "".join(f"<style>{_escape_end_tag(_inline_css_urls(css, path), 'style')}</style>" for path, css in styles)
    block += "".join(f"<script>{_escape_end_tag(js, 'script')}</script>" for _, js in scripts)
    m.get_root().header.add_child(Element(block), name="psq_inline_assets")  # after the charset
    page = m.get_root().render()
    remaining = external_references(page)
    if remaining:
        raise AssetNotAvailable(f"the standalone map still refers to {', '.join(sorted(set(remaining)))}")
    return page


def external_references(page: str) -> list[str]:
    """Every src/href attribute and CSS url() of an HTML page that is not inline (data:, #…)."""
    parser = _References()
    parser.feed(page)
    parser.close()
    found = parser.urls + [url for css in parser.styles for _, url in _CSS_URL.findall(css)]
    return [url for url in found if not url.startswith(("data:", "#", "javascript:void")) and url.strip()]


def _collect_assets(m: folium.Map) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """(path, text) of the scripts and stylesheets the map's elements ask for, in order, once each."""
    elements = list(assets._walk(m))
    # Font Awesome and awesome-markers only serve folium.Icon: without them an emailed map with
    # no Icon is around 250 KB instead of 600 KB (the fonts are large).
    unused = assets.unused_files(elements)
    scripts: dict[Path, str] = {}
    styles: dict[Path, str] = {}
    for element in elements:
        assets._check_element(element)
        for attr, found in (("default_js", scripts), ("default_css", styles)):
            links = getattr(element, attr, None) or []
            for name, url in links:
                relative = _local_file(url, name, type(element).__name__)
                if relative is None or relative.startswith(unused):
                    continue
                path = assets.vendor_dir() / relative
                if path not in found:
                    found[path] = _read(path)
            if links:
                setattr(element, attr, [])  # this instance only: nothing left to link from a CDN
    return list(scripts.items()), list(styles.items())


def _local_file(url: str, name: str, owner: str) -> str | None:
    if url not in assets.LOCAL_FILES:
        raise AssetNotAvailable(f"{owner} needs {name!r} from {url}, which has no local copy to inline.")
    return assets.LOCAL_FILES[url]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetNotAvailable(f"{path} is missing: run `make assets` to install the map files") from exc


def _inline_css_urls(css: str, css_path: Path) -> str:
    """Images and fonts a stylesheet refers to, as data: URIs; what cannot be found is dropped."""

    def replace(match: re.Match) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            return match.group(0)
        if _EXTERNAL.match(target):
            return "url(data:,)"
        path = (css_path.parent / target.split("?")[0].split("#")[0]).resolve()
        if not path.is_relative_to(assets.vendor_dir().resolve()) or not path.is_file():
            return "url(data:,)"
        mime = mimetypes.guess_type(path.name)[0] or _FONT_TYPES.get(path.suffix, "application/octet-stream")
        return f"url(data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')})"

    return _CSS_URL.sub(replace, css)


_FONT_TYPES = {
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
}


def _escape_end_tag(text: str, tag: str) -> str:
    """Inline code must not contain its own end tag: `</script` would close the element early."""
    return re.sub(f"</({tag})", r"<\\/\1", text, flags=re.IGNORECASE)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data") and value:
                self.urls.append(value)
            if name == "style" and value:
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag) -> None:
        self._in_style = False

    def handle_data(self, data) -> None:
        if self._in_style:
            self.styles.append(data)
