"""Text repair at read time: mojibake and HTML entities fixed, the original kept, counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from astroturf.io import read_dataset
from astroturf.io.textrepair import repair_texts, strip_controls

CRESCI = Path(__file__).resolve().parents[3] / "shared" / "data" / "cresci2015_dev"


def test_mojibake_and_entities_are_repaired_and_the_original_kept():
    values = pd.Series(["I\u00e2\u20ac\u2122ve checked in", "sar\u00c3\u00a0 passibile",
                        "say &quot;hi&quot; &amp;amp; bye", "caf\u00e9 au lait", None,
                        "plain text"], dtype="str")
    fixed, original, n = repair_texts(values)
    assert list(fixed[:4]) == ["I\u2019ve checked in", "sar\u00e0 passibile",
                               'say "hi" & bye', "caf\u00e9 au lait"]
    assert n == 3
    assert list(original[:3]) == list(values[:3])
    assert original[3:].isna().all() and pd.isna(fixed[4])


def test_quotes_widths_and_legit_accents_are_left_alone():
    values = pd.Series(["\u201cquoted\u201d", "\uff21\uff22", "AMANH\u00c3 VOU", "\ufb01ne"],
                       dtype="str")
    fixed, original, n = repair_texts(values)
    assert list(fixed) == list(values) and n == 0 and original.isna().all()


def test_control_characters_are_cut():
    values = pd.Series(["ok\ttab\nline", "bell\x07 esc\x1b[31m", None], dtype="str")
    out, n = strip_controls(values)
    assert list(out[:2]) == ["ok\ttab\nline", "bell esc[31m"] and n == 1


def test_reading_repairs_posts_and_profiles_and_counts(tmp_path):
    frame = pd.DataFrame({
        "account_id": ["u1", "u2", "u3"], "created_at": ["2024-01-01T00:00:00Z"] * 3,
        "text": ["I\u00e2\u20ac\u2122ve been", "I\u2019ve been", "fine &amp; dandy"],
        "bio": ["citt\u00c3\u00a0 di mare", "ok", None], "display_name": ["A&amp;B", "b", "c"]})
    path = tmp_path / "x.csv"
    frame.to_csv(path, index=False)
    data = read_dataset([str(path)])
    posts = data.posts.set_index("account_id")
    assert posts.loc["u1", "text"] == posts.loc["u2", "text"] == "I\u2019ve been"
    assert posts.loc["u1", "text_original"] == "I\u00e2\u20ac\u2122ve been"
    assert pd.isna(posts.loc["u2", "text_original"])
    accounts = data.accounts.set_index("account_id")
    assert accounts.loc["u1", "bio"] == "citt\u00e0 di mare"
    assert accounts.loc["u1", "display_name"] == "A&B"
    assert data.meta["text_repaired"] == {"accounts.bio": 1, "accounts.display_name": 1,
                                          "posts.text": 2}
    assert data.meta["inputs"][0]["text_repaired"] == data.meta["text_repaired"]


def test_real_cresci_mojibake():
    path = CRESCI / "posts.parquet"
    if not path.exists():
        pytest.skip(f"real data not found at {path} (see shared/data/README.md)")
    import pyarrow.parquet as pq

    tweets = pq.read_table(path, columns=["tweet"]).column(0).slice(0, 40000).to_pandas()
    fixed, original, n = repair_texts(tweets.astype("str"))
    assert n > 1000  # the set is known for it: 'Iâ€™ve', 'sarÃ '
    changed = original.notna()
    left = fixed[changed].str.contains("\u00e2\u20ac|\u00c3[\u0080-\u00bf]", regex=True)
    assert left.mean() < 0.01
    assert fixed[~changed].equals(tweets.astype("str")[~changed])


def test_the_control_check_reads_only_the_bytes_of_the_values():
    """An all-missing column or a slice must not be judged by bytes that are not its values
    (a false 'maybe' sends millions of cells through the regex pass)."""
    from astroturf.io.textrepair import has_controls

    assert not has_controls(pd.Series(pd.array([None] * 1000, dtype="str")))
    column = pd.Series(pd.array(["clean", "bad\x01", None], dtype="str"))
    assert has_controls(column)
    assert not has_controls(column.iloc[:1])
    assert has_controls(pd.Series(pd.array(["nul\x00inside"], dtype="str")))


@pytest.mark.parametrize("block", [1, 3, 7, 1 << 22])
def test_the_control_check_block_by_block_equals_the_regex(monkeypatch, block):
    """The bytes are compared a block at a time into one reused mask: a control character in
    any block, first or last, is seen, and tabs, newlines and returns alone are not."""
    import re

    import astroturf.io.textrepair as tr

    monkeypatch.setattr(tr, "_SCAN_BLOCK", block)
    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    rng = np.random.default_rng(block)
    alphabet = ["a", "é", "\t", "\n", "\r", " ", "\x01", "\x7f", "\x1f", "z"]
    for _ in range(60):
        values = ["".join(rng.choice(alphabet[:6] if rng.random() < 0.6 else alphabet,
                                     rng.integers(0, 9))) for _ in range(rng.integers(1, 6))]
        column = pd.Series(pd.array(values, dtype="str"))
        assert tr.has_controls(column) == any(control.search(v) for v in values)
