"""Text and URL normalisation (hashtag sets are encoded in scandata: tests/test_scandata.py)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from astroturf.signals.normalize import (
    explode_urls,
    fuzzy_from_normal,
    fuzzy_texts,
    normalize_arrow,
    normalize_texts,
    normalize_url_value,
)


def test_normalize_texts():
    s = pd.Series(["RT @Bob: Hello  WORLD https://t.co/x", "@alice hi see www.x.com/y now ",
                   None, "@only", "  ", "rt @a rt @b: yo", "mail me a@b.com"], dtype="str")
    out = normalize_texts(s)
    assert out.iloc[0] == "hello world"
    assert out.iloc[1] == "hi see now"
    assert out.iloc[2:5].isna().all()  # missing, mention-only, blank -> never a key
    assert out.iloc[5] == "yo"
    assert out.iloc[6] == "mail me a@b.com"  # an e-mail address is not a mention
    assert out.index.equals(s.index)


def test_fuzzy_texts_drops_punctuation_and_emoji():
    s = pd.Series(["Great job!!! 🙂 #proud", "great job proud"], dtype="str")
    out = fuzzy_texts(s)
    assert out.iloc[0] == out.iloc[1] == "great job proud"


def test_url_normalisation():
    assert normalize_url_value("https://WWW.Example.com/a/?utm_source=x&fbclid=1&id=3#frag") == \
        "example.com/a?id=3"
    assert normalize_url_value("http://example.com/a") == normalize_url_value(
        "https://www.example.com/a/")
    assert normalize_url_value("") is None
    assert normalize_url_value("nourl") is None


def test_explode_urls_rows_and_empties():
    s = pd.Series(["https://a.org/x http://a.org/x?utm_medium=1 https://b.org", None, "", "  "],
                  dtype="str")
    out = explode_urls(s)
    assert out["row"].tolist() == [0, 0]
    assert sorted(out["url"]) == ["a.org/x", "b.org"]


def test_arrow_kernels_match_the_series_functions():
    """The scan encodes texts with the arrow kernels; they must agree with the public ones."""
    texts = ["RT @Bob: Hello  WORLD https://t.co/x", "Great job!!! 🙂 #proud", "mail me a@b.com",
             "tab\there\u00a0nbsp", "@only"]
    arr = pa.array(texts, type=pa.large_string())
    norm = normalize_arrow(arr).to_pylist()
    fuzzy = fuzzy_from_normal(normalize_arrow(arr)).to_pylist()
    s = pd.Series(texts, dtype="str")
    assert [x or None for x in norm] == [None if pd.isna(x) else x for x in normalize_texts(s)]
    assert [x or None for x in fuzzy] == [None if pd.isna(x) else x for x in fuzzy_texts(s)]
    assert norm[3] == "tab here nbsp"
