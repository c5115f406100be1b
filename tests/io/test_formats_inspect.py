"""`formats` / `inspect` library functions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from astroturf.io import registry
from astroturf.io.inspect import (
    describe_formats,
    format_inspection,
    inspect_input,
    signals_unavailable,
)
from astroturf.schema import ACCOUNT_FIELDS, POST_FIELDS, Dataset, coerce_accounts, coerce_posts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "formats"


def test_describe_formats_lists_every_registered_format() -> None:
    table = describe_formats()
    assert list(table.columns[:4]) == ["name", "description", "required", "optional"]
    assert table["name"].tolist() == sorted(s.name for s in registry.all_formats())
    assert {"ioarchive", "twarc2", "twarc_csv", "crowdtangle", "telegram", "mastodon",
            "bluesky", "reddit"} <= set(table["name"])
    assert (table["description"].str.len() > 10).all()


def test_signal_requirements_name_real_fields() -> None:
    from astroturf.signals.catalog import requirements

    for table, field, kind in requirements().values():
        fields = POST_FIELDS if table == "posts" else ACCOUNT_FIELDS
        assert field in fields and kind in (None, "post", "repost", "reply", "quote")


def test_inspect_ioarchive_finds_everything() -> None:
    info = inspect_input(str(FIXTURES / "ioarchive.csv"), n_rows=2)
    assert info["format"] == "ioarchive"
    assert max(info["sniff_scores"], key=info["sniff_scores"].get) == "ioarchive"
    assert info["signals_unavailable"] == {}
    assert info["missing_fields"] == ["accounts.posts_count", "accounts.verified"]
    assert info["resolution_s"] == 60.0 and info["assumed_utc"] is True
    assert len(info["preview_posts"]) == 2 and info["rows_read"] == 5
    text = format_inspection(info)
    assert "Format:      ioarchive" in text and "1 minute" in text
    assert "posts.account_id             <- userid" in text


def test_inspect_telegram_names_signals_that_cannot_run() -> None:
    info = inspect_input(str(FIXTURES / "telegram" / "result.json"))
    gone = info["signals_unavailable"]
    assert gone["creation_burst"] == "no account has a creation time"
    assert gone["bio_similar"] == "no account has a bio"
    assert "co_repost" not in gone and "co_reply" not in gone and "co_text" not in gone
    assert info["rows_dropped"] == {"service_message": 1}
    assert "creation_burst  no account has a creation time" in format_inspection(info)


def test_inspect_with_a_forced_format_and_mapping() -> None:
    info = inspect_input(str(FIXTURES / "ioarchive.csv"), format="csv",
                         mapping={"account_id": "user_screen_name"})
    assert info["format"] == "csv"
    assert info["mapping"]["posts.account_id"] == "user_screen_name"


def test_signals_unavailable_on_reposts_without_targets() -> None:
    posts = pd.DataFrame({"post_id": ["1", "2"], "account_id": ["a", "b"],
                          "created_at": pd.to_datetime(["2020-01-01T10:00:01",
                                                        "2020-01-02T11:30:17"], utc=True),
                          "text": ["x", None], "kind": ["repost", "post"]})
    data = Dataset(posts=coerce_posts(posts),
                   accounts=coerce_accounts(pd.DataFrame({"account_id": ["a", "b"]})))
    gone = signals_unavailable(data)
    assert "co_repost" not in gone  # a repost without a target id is keyed by its text
    assert gone["co_reply"] == "no replies in the data"
    assert "co_text" not in gone and "rhythm" not in gone
    bare = Dataset(posts=coerce_posts(posts.assign(text=None)), accounts=data.accounts)
    assert signals_unavailable(bare)["co_repost"] == "no repost has a target post id"
