"""The column (pyarrow.json) readers give the same tables as the record-by-record readers.

Each platform reader keeps its record reader as the fallback for files pyarrow cannot parse as
they are; both must agree exactly. Here every JSON-lines fixture (and Bluesky post views with
mentions, links, quotes, replies, tags and external embeds) is read both ways.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import astroturf.io.arrowjson as arrowjson
from astroturf.io import registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def _bluesky_lines(tmp_path: Path) -> Path:
    doc = json.loads((FIXTURES / "bluesky" / "search.json").read_text())
    views = doc["posts"]
    extra = json.loads(json.dumps(views[0]))
    extra["uri"] = extra["uri"] + "x"
    extra["record"]["tags"] = ["Extra", "more"]
    extra["record"]["embed"] = {"$type": "app.bsky.embed.external",
                                "external": {"uri": "https://ext.example/a"}}
    extra["record"]["langs"] = []
    path = tmp_path / "views.jsonl"
    path.write_text("".join(json.dumps(v) + "\n" for v in [*views, extra]))
    return path


def _reddit_comments(tmp_path: Path) -> Path:
    """RC_sample with one type per field (the fixture mixes number and string times on
    purpose, which only the record reader takes)."""
    lines = (FIXTURES / "reddit" / "RC_sample.ndjson").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    for r in records:
        r["created_utc"] = int(float(r["created_utc"]))
    path = tmp_path / "RC_typed.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


MADE = {"bluesky-views": _bluesky_lines, "reddit-typed": _reddit_comments}
CASES = [("twarc2", "twarc2/flat.jsonl"), ("reddit", "reddit-typed"),
         ("reddit", "reddit/RS_sample.ndjson"), ("bluesky", "bluesky/feed.jsonl"),
         ("bluesky", "bluesky-views"), ("jsonl", "generic/posts.jsonl")]


@pytest.mark.parametrize(("fmt", "fixture"), CASES)
def test_column_and_record_paths_agree(fmt, fixture, tmp_path, monkeypatch):
    path = str(MADE[fixture](tmp_path)) if fixture in MADE else str(FIXTURES / fixture)
    used: list[bool] = []
    real = arrowjson.read_json_table

    def spy(p):
        table = real(p)
        used.append(table is not None)
        return table

    monkeypatch.setattr(arrowjson, "read_json_table", spy)
    for module in ("twarc2_arrow", "bluesky_arrow"):
        monkeypatch.setattr(f"astroturf.io.formats.{module}.read_json_table", spy)
    fast = registry.get_format(fmt).read(path)
    assert any(used), "the column path was not taken"
    monkeypatch.setattr(arrowjson, "read_json_table", lambda p: None)
    for module in ("twarc2_arrow", "bluesky_arrow"):
        monkeypatch.setattr(f"astroturf.io.formats.{module}.read_json_table", lambda p: None)
    slow = registry.get_format(fmt).read(path)
    pd.testing.assert_frame_equal(fast.posts, slow.posts)
    pd.testing.assert_frame_equal(fast.accounts, slow.accounts)
    assert fast.meta == slow.meta
