import re

import pandas as pd

from astroturf.report.html import render_html

from . import SCRIPT, make_result


def test_script_payload_escaped_everywhere():
    html = render_html(make_result())
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # only the inline table sorter


def test_self_contained_no_remote_assets():
    html = render_html(make_result())
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.I)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    # the post's URL is shown as text, not as a link
    assert "https://amzn.to/x" in html and 'href="https://amzn.to/x"' not in html


def test_sections_order_and_content():
    html = render_html(make_result(), title="FC ambassadors")
    assert "<title>FC ambassadors</title>" in html
    flagged, candidates = html.index('id="flagged"'), html.index('id="candidates"')
    assert flagged < html.index('id="cluster-1"') < candidates < html.index('id="cluster-2"')
    assert "3 accounts posted the same talking point within 40 s" in html
    assert "@fc_ambassador_1" in html and "Δt +12 s" in html
    assert "2024-03-01 12:00:12Z" in html
    assert "no client column in the input" in html  # skipped signal and why
    assert "ab" * 32 in html and "export.csv" in html  # input hash from the manifest
    assert "Proud FC worker!" in html  # bios side by side
    assert "How to read this report" in html


def test_caps_bound_the_output():
    result = make_result()
    n = 300
    result.clusters = pd.DataFrame({
        "cluster_id": [str(i) for i in range(1, n + 1)], "size": 2, "score": 0.5,
        "flagged": True, "members": "a1 a2", "reasons": "x" * 50})
    many = pd.concat([result.evidence[result.evidence["cluster_id"] == "1"]] * 40)
    result.evidence = many
    html = render_html(result, max_clusters=10, max_evidence=5)
    assert html.count('class="cluster flagged"') == 10
    assert "290 more cluster(s) not shown" in html
    assert html.count('class="ev"') == 5


def test_empty_result_renders():
    result = make_result()
    result.clusters = result.clusters.iloc[:0]
    result.evidence = result.evidence.iloc[:0]
    result.manifest = {}
    html = render_html(result)
    assert "No cluster passed" in html
