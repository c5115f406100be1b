"""The report as an analyst reads it: charts per flagged group, plain words, content, focus."""

import re
from pathlib import Path

import pandas as pd

from astroturf.report.details import scan_details
from astroturf.report.html import render_html
from astroturf.report.summary import format_summary
from astroturf.schema import CLUSTER_CONTENT_COLUMNS, CLUSTER_OUT_COLUMNS, coerce_accounts

from . import SCRIPT, T0, make_posts, make_result

CHARTS = ("timeline", "creation", "hours", "network")


def _articles(html: str) -> dict[str, str]:
    return dict(re.findall(r'<article class="cluster \w+" id="cluster-([^"]+)">(.*?)</article>',
                           html, re.S))


def test_every_flagged_group_has_its_charts_and_members_link_to_evidence(small_scan: Path):
    html = (small_scan / "report.html").read_text()
    clusters = pd.read_csv(small_scan / "clusters.csv", dtype=str, keep_default_na=False)
    flagged = clusters.loc[clusters["flagged"] == "true", "cluster_id"].tolist()
    assert flagged
    cards = _articles(html)
    for cid in flagged:
        card = cards[cid]
        for kind in CHARTS:
            assert f'class="chart chart-{kind}"' in card, (cid, kind)
        targets = re.findall(r'<a href="#(ev-[^"]+)">see evidence</a>', card)
        assert targets and all(f'id="{t}"' in card for t in targets)
        nodes = re.findall(r'<a href="#(m-[^"]+)">', card)  # network nodes -> member rows
        assert nodes and all(f'id="{n}"' in card for n in nodes)
    for cid in set(cards) - set(flagged):
        assert "chart-timeline" not in cards[cid]  # charts only where they matter
    assert 'class="chart chart-overview"' in html and 'id="glance"' in html


def test_content_columns_are_appended_and_describe_the_ambassadors(small_scan: Path):
    clusters = pd.read_csv(small_scan / "clusters.csv", dtype=str, keep_default_na=False)
    cols = clusters.columns.tolist()
    assert cols[:len(CLUSTER_OUT_COLUMNS)] == CLUSTER_OUT_COLUMNS
    assert cols[-len(CLUSTER_CONTENT_COLUMNS):] == CLUSTER_CONTENT_COLUMNS
    flagged = clusters[clusters["flagged"] == "true"]
    answering = flagged.loc[pd.to_numeric(flagged["n_replies"]).idxmax()]
    # planted: upbeat talking points in reply to critical posts
    assert float(answering["replies_positive_share"]) > 0.8
    assert float(answering["replied_negative_share"]) > 0.3
    assert "negative in tone" in answering["tone"] and answering["top_phrases"]
    html = (small_scan / "report.html").read_text()
    card = _articles(html)[answering["cluster_id"]]
    assert "Whom they answer" in card and "The posts they answer most" in card
    assert "What they push" in card and answering["top_phrases"].split("; ")[0] in card


def _with_details():
    result = make_result()
    posts = make_posts()
    posts["kind"] = "post"
    accounts = coerce_accounts(pd.DataFrame({
        "account_id": ["a1", "a2", "a3", "a4"], "handle": result.accounts["handle"],
        "created_at": [T0 - pd.Timedelta(h, unit="h") for h in (400, 401, 402, 9000)]}))
    result.clusters, result.details = scan_details(posts, accounts, result.accounts,
                                                   result.clusters, result.evidence)
    return result


def test_untrusted_text_is_escaped_in_tables_and_charts():
    html = render_html(_with_details())
    assert SCRIPT not in html and html.count("<script>") == 1
    network = re.search(r'<svg class="chart chart-network".*?</svg>', html, re.S).group(0)
    assert "@&lt;script&gt;alert(1)&lt;/script&gt;" in network
    assert "chart-timeline" in html and "chart-creation" in html


def test_plain_words_next_to_the_numbers():
    html = render_html(_with_details())
    card = _articles(html)["1"]
    assert "Their coordination is <strong>far beyond chance</strong> (p 1e-07)" in card
    assert "fewer than 1 in 10,000 clusters flagged at this level may be chance" in card
    assert "posted the same text within 60 s of each other" in card
    assert "on average at most about 1 in 20 flagged groups may be chance" in html
    assert "3 of 3 accounts were created within 2 hours of each other" in card


def test_calibration_in_words_in_header_and_summary():
    result = make_result()
    result.manifest["calibration"] = {
        "null_copies": 10, "fdr": 0.05, "flagged_clusters": 1, "expected_false_flagged": 0.2,
        "channels": {"co_text": {"null_clusters_per_copy": 0.1, "threshold": "p<=1e-6"}},
        "method": "permutation of each account's timestamps"}
    sentence = ("1 group flagged; on randomised copies of this same data chance alone produced "
                "about 0.2 such groups per copy (10 copies).")
    assert sentence in render_html(result)
    assert sentence in format_summary(result)
    del result.manifest["calibration"]
    assert "randomised copies" not in render_html(result)
    assert "randomised copies" not in format_summary(result)


def test_focus_accounts_first_with_why():
    result = make_result()
    html = render_html(result, focus=["@FC_AMBASSADOR_2", "a4", "fc_ambasador_1x"])
    section = html[html.index('id="focus"'):html.index('id="summary"')]
    assert html.index('id="focus"') < html.index('id="summary"')  # first thing after the title
    assert "@fc_ambassador_2" in section and "in flagged group 1" in section
    assert "a4" in section and "not in any group" in section
    assert "not found" in section and "Did you mean @fc_ambassador_1" in section
    rows = re.findall(r'<tr id="m-1-(\w+)"( class="focus")?>', _articles(html)["1"])
    assert rows[0] == ("a2", ' class="focus"')  # the focus member leads its table
    text = format_summary(result, focus=["fc_ambassador_2", "nobody"])
    assert text.index("Accounts you asked about:") < text.index("Cluster 1")
    assert "@fc_ambassador_2: in flagged group 1" in text and "nobody: not in this scan" in text


def test_details_are_plain_json_and_empty_input_gives_empty_details():
    import json

    from astroturf.report.evidence import empty_evidence
    from astroturf.schema import empty_accounts, empty_posts

    result = _with_details()
    assert json.loads(json.dumps(result.details)) == result.details
    assert set(result.details["clusters"]) == {"1", "2"}
    clusters = result.clusters.iloc[:0]
    out, details = scan_details(empty_posts(), empty_accounts(),
                                result.accounts.iloc[:0], clusters, empty_evidence())
    assert out.columns.tolist()[-len(CLUSTER_CONTENT_COLUMNS):] == CLUSTER_CONTENT_COLUMNS
    assert details["clusters"] == {} and details["population"]["n_posts"] == 0
