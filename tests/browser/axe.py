"""axe-core in the browser tests: inject the pinned copy (assets.lock) into a page and its frames,
run the WCAG 2.1 A/AA rules and collect what it finds, by impact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Frame, Page

AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}

# Each frame is checked on its own (folium's map sits in a component iframe): the parent's run does
# not wait for frames, and the iframe's title is checked by the parent's `frame-title` rule.
RUN_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false,
                                           rules: {'frame-tested': {enabled: false}}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    summary: v.nodes.length ? v.nodes[0].failureSummary : '',
    html: v.nodes.length ? v.nodes[0].html.slice(0, 300) : ''}));
}"""


@dataclass(frozen=True)
class Violation:
    where: str  # the page as the test names it
    frame: str  # "" for the page itself, else the frame's name or URL
    rule: str
    impact: str
    help: str
    nodes: int
    targets: tuple[str, ...]
    summary: str
    html: str  # the first node's markup, shortened

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def line(self) -> str:
        frame = f" [{self.frame}]" if self.frame else ""
        return f"{self.impact:8} {self.rule} ({self.nodes}×) on {self.where}{frame}: {self.help} — {self.targets[:1]}"


def _frames(page: Page) -> list[tuple[str, Frame]]:
    frames = [("", page.main_frame)]
    for frame in page.frames[1:]:
        if frame.is_detached() or frame.url in ("", "about:blank"):
            continue
        frames.append((frame.name or frame.url.split("?")[0][-60:], frame))
    return frames


def check_page(page: Page, where: str) -> list[Violation]:
    """Every violation of the page and its frames, as axe-core sees them now."""
    found: list[Violation] = []
    for label, frame in _frames(page):
        try:
            if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
                # Evaluated, not added as a <script>: the offline field page's CSP refuses inline scripts.
                frame.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
            results = frame.evaluate(RUN_JS, TAGS)
        except Exception as exc:  # a frame replaced while we ran (Streamlit rerun): say so, go on
            if frame.is_detached():
                continue
            raise AssertionError(f"axe could not run on {where} [{label}]: {exc}") from exc
        found += [
            Violation(
                where,
                label,
                r["id"],
                r["impact"] or "minor",
                r["help"],
                r["nodes"],
                tuple(r["targets"]),
                r["summary"],
                r["html"],
            )
            for r in results
        ]
    return found
