"""report.html in a real browser (headless Chromium through Playwright): every flagged group's
charts are drawn once scripts have run, no request leaves the file, hostile text stays text.

Skips with the reason when Playwright or Chromium is missing (.ci/run installs Debian's
`chromium`; Playwright never downloads a browser here: it drives the system one). Set
ASTROTURF_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[dev]')")
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine "
                                "(Debian: apt-get install chromium; .ci/run does it)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

DRAWN = """ids => ids.map(id => {
  const card = document.getElementById('cluster-' + id);
  const charts = Array.from(card.querySelectorAll('svg.chart'));
  return charts.map(svg => {
    const box = svg.getBoundingClientRect();
    const marks = Array.from(svg.querySelectorAll('path, rect, circle'))
      .filter(el => { const b = el.getBBox(); return b.width > 0 || b.height > 0; });
    return {kind: svg.getAttribute('class'), width: box.width, height: box.height,
            marks: marks.length};
  });
})"""


@pytest.fixture(scope="module")
def browsed(small_scan: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    shots = Path(os.environ.get("ASTROTURF_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    clusters = pd.read_csv(small_scan / "clusters.csv", dtype=str, keep_default_na=False)
    flagged = clusters.loc[clusters["flagged"] == "true", "cluster_id"].tolist()
    url = (small_scan / "report.html").resolve().as_uri()
    out: dict = {"requests": [], "errors": [], "flagged": flagged, "url": url}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("request", lambda r: out["requests"].append(r.url))
        page.on("websocket", lambda ws: out["requests"].append(ws.url))
        page.on("pageerror", lambda e: out["errors"].append(str(e)))
        page.on("console", lambda m: m.type == "error" and out["errors"].append(m.text))
        page.goto(url, wait_until="load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        out["drawn"] = page.evaluate(DRAWN, flagged)
        out["pwned"] = page.evaluate("typeof window.__pwned")
        out["scripts"] = page.evaluate("document.scripts.length")
        out["text"] = page.evaluate("document.body.textContent")
        out["imgs"] = page.evaluate("document.querySelectorAll('img').length")
        page.screenshot(path=str(shots / "report-top.png"))
        page.locator(f"#cluster-{flagged[0]}").screenshot(path=str(shots / "cluster.png"))
        page.fill("input[data-target=glance]", "no such group at all")
        out["hidden_rows"] = page.evaluate(
            "Array.from(document.querySelectorAll('#glance tbody tr')).every(r => r.hidden)")
        browser.close()
    return out


def test_each_flagged_group_has_four_drawn_charts(browsed):
    assert browsed["flagged"]
    for cid, charts in zip(browsed["flagged"], browsed["drawn"], strict=True):
        kinds = sorted(c["kind"] for c in charts)
        assert kinds == ["chart chart-creation", "chart chart-hours", "chart chart-network",
                         "chart chart-timeline"], cid
        for c in charts:
            assert c["width"] > 200 and c["height"] > 80 and c["marks"] >= 3, (cid, c)


def test_no_request_leaves_the_file_and_no_script_error(browsed):
    assert browsed["requests"] == [browsed["url"]]
    assert browsed["errors"] == []


def test_hostile_bio_renders_as_text(browsed, hostile_bio):
    assert browsed["pwned"] == "undefined" and browsed["scripts"] == 1
    assert browsed["imgs"] == 0
    assert hostile_bio in browsed["text"]


def test_filter_box_hides_rows(browsed):
    assert browsed["hidden_rows"] is True
