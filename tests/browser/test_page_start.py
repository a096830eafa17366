"""A commander opens the Carte from a bookmark, signed out (web/boot_hints.py), in Chromium.

Streamlit, told where its server is, never looks for it under /carte (no 404, no 100 ms wait);
while the sign-in form is shown the browser prefetches the map's files, and once signed in the
map's frame takes them from the browser's cache. At human pace, on a phone.

The browser is not `browser_page`: its guard against leaving loopback intercepts every request,
and Playwright turns the browser's cache off while it does, so nothing could come from a cache.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from diagnostics import assets
from diagnostics.web import boot_hints
from tests.browser.conftest import PHONE
from tests.browser.ui import TIMEOUT_MS, map_frame, wait_for_session_cookie, wait_until_idle

pytestmark = pytest.mark.browser

PAUSE_MS = 1000


def test_a_bookmark_signed_out_prefetches_the_map_while_the_person_signs_in(demo_app, chromium):
    from diagnostics.demo import DEMO_PASSWORD

    context = chromium.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    asked: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(f"{demo_app}/carte")  # a bookmark, signed out: the sign-in form at /carte
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    paths = [urlsplit(url).path for url in asked]
    assert "/_stcore/health" in paths and not [path for path in paths if path.startswith("/carte/")], paths
    wanted = [f"/app/static/vendor/leaflet/dist/leaflet.js?v={assets.version()}"]
    wanted += [f"/component/{boot_hints.MAP_COMPONENT}/{name}" for name in boot_hints.component_files()]
    prefetched = [url for url in asked if any(url.endswith(end) for end in wanted)]
    assert len(prefetched) == len(wanted), (wanted, asked)

    page.get_by_label("Identifiant").tap()
    page.keyboard.type("commandant.70", delay=30)
    page.get_by_label("Mot de passe").tap()
    page.keyboard.type(DEMO_PASSWORD, delay=30)
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_role("button", name="Se connecter").tap()
    wait_until_idle(page)
    wait_for_session_cookie(page)
    iframe, frame = map_frame(page)
    expect(frame.locator('.leaflet-container[data-psq-state="drawn"]')).to_have_count(1, timeout=TIMEOUT_MS)
    # The frame asked for the same addresses: its Leaflet came from the cache the prefetch filled.
    timing = (
        iframe.element_handle()
        .content_frame()
        .evaluate(
            "() => performance.getEntriesByType('resource').filter(e => e.name.includes('leaflet/dist/leaflet.js'))"
            ".map(e => [e.name, e.transferSize])"
        )
    )
    assert timing and all(name.endswith(f"?v={assets.version()}") and size == 0 for name, size in timing), timing
    assert failed == [] and all(urlsplit(url).hostname == "127.0.0.1" for url in asked if "://" in url), failed
    context.close()
