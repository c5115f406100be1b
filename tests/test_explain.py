"""`astroturf explain` and `scan --focus` on a finished scan (CliRunner, exact exit codes)."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from astroturf.cli import main


@pytest.fixture(scope="module")
def tables(small_scan: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc = pd.read_csv(small_scan / "accounts.csv", dtype=str, keep_default_na=False)
    return acc, pd.read_csv(small_scan / "clusters.csv", dtype=str, keep_default_na=False)


def _flagged_member(acc: pd.DataFrame) -> pd.Series:
    return acc[acc["flagged"] == "true"].sort_values("account_id").iloc[0]


def test_explain_flagged_account_by_handle_id_and_at_handle(small_scan, tables):
    acc, _ = tables
    m = _flagged_member(acc)
    for query in (m["handle"], "@" + m["handle"].upper(), m["account_id"]):
        r = CliRunner().invoke(main, ["explain", str(small_scan), query])
        assert r.exit_code == 0, r.output
        assert r.output.startswith(f"@{m['handle']} ({m['account_id']}): FLAGGED")
    assert f"in flagged group {m['cluster_id']}" in r.output
    assert "strongest partners:" in r.output and "evidence:" in r.output and "Δt" in r.output


def test_explain_json_has_partners_and_quotable_evidence(small_scan, tables):
    acc, _ = tables
    m = _flagged_member(acc)
    organic = acc[acc["cluster_id"] == ""].iloc[0]
    r = CliRunner().invoke(main, ["explain", str(small_scan), m["handle"],
                                  organic["account_id"], "--json"])
    assert r.exit_code == 0, r.output
    first, second = json.loads(r.stdout)
    assert first["flagged"] is True and first["cluster_id"] == m["cluster_id"]
    assert first["cluster"]["size"] >= 3 and first["cluster"]["p_words"]
    assert first["partners"] and all(p["same_cluster"] for p in first["partners"][:1])
    posts = [e for e in first["evidence"] if e["post"]]
    assert posts and all(e["time"] and e["partner_time"] and e["text"] for e in posts)
    assert {e["partner"] for e in first["evidence"]} <= {p["account_id"]
                                                          for p in first["partners"]}
    assert second["cluster"] is None and second["why"].startswith("not in any group")


def test_unknown_account_exit_2_one_line_with_did_you_mean(small_scan, tables):
    acc, _ = tables
    handle = _flagged_member(acc)["handle"]
    r = CliRunner().invoke(main, ["explain", str(small_scan), handle[:-1] + "zz"])
    assert r.exit_code == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert "not in this scan" in r.stderr and f"did you mean @{handle}" in r.stderr
    r = CliRunner().invoke(main, ["explain", str(small_scan.parent), "x"])
    assert r.exit_code == 2 and "not the output directory of a scan" in r.stderr


def test_scan_focus_puts_accounts_first_and_says_why(small_scan, tables, tmp_path):
    acc, _ = tables
    m = _flagged_member(acc)
    organic = acc[acc["cluster_id"] == ""].iloc[0]
    focus = tmp_path / "focus.txt"
    focus.write_text(f"# accounts from a tip-off\n@{m['handle']}\n{organic['account_id']}\n"
                     "nobody_at_all\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(small_scan.parent / "export.csv"), "-o",
                                  str(tmp_path / "out"), "-q", "--focus", str(focus)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    at = lines.index("Accounts you asked about:")
    assert at <= 4  # right after the header lines, before any cluster
    assert lines[at + 1].startswith(f"  @{m['handle']}: in flagged group {m['cluster_id']}")
    assert any(line.startswith(f"  @{organic['handle']}: not in any group") for line in lines)
    assert "nobody_at_all: not in this scan's data" in r.stdout
    assert "  answers: " in r.stdout and "  pushes: " in r.stdout  # whom they answer, in words
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.index('id="focus"') < html.index('id="summary"')
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["focus"] == [f"@{m['handle']}", organic["account_id"], "nobody_at_all"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    r = CliRunner().invoke(main, ["scan", str(small_scan.parent / "export.csv"), "-o",
                                  str(tmp_path / "o2"), "-q", "--focus", str(empty)])
    assert r.exit_code == 2 and "names no account" in r.stderr
