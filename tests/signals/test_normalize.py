"""Text and URL normalisation (hashtag sets are encoded in scandata: tests/test_scandata.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from astroturf.signals.normalize import (
    _RT_PREFIX,
    _strip_rt_prefix,
    explode_urls,
    fuzzy_from_normal,
    fuzzy_texts,
    normalize_arrow,
    normalize_texts,
    normalize_url_value,
    normalize_urls,
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


def _url_corpus(n: int, seed: int, plain: bool = False) -> list[str]:
    """URLs built from parts that each touch one of ural's rules (or none); ``plain``: mostly
    URLs of the vectorised path (scheme, host, plain path)."""
    rng = np.random.default_rng(seed)
    schemes = ["https://", "http://", "HTTPS://", "Http://", "", "ftp://", "//"]
    subs = ["", "www.", "WWW.", "www2.", "m.", "mobile.", "amp.", "amp-", "shop.m.", "a-m.",
            "xn--bcher-kva.", "news.", "ampproject.", "cdn.ampproject.", "mwww.", "bc.marfeel."]
    hosts = ["example.com", "Example.ORG", "t.co", "bit.ly", "nytimes.com", "sub-1.site.co.uk",
             "youtube.com", "facebook.com", "google.com", "localhost", "1.2.3.4", "com"]
    ports = ["", "", "", ":80", ":443", ":8080", ":"]
    segs = ["a", "B", "story", "2024", "amp", "AMP", "index.html", "Index.HTML", "default.aspx",
            "index", "page.amp", "x.amp.html", ".", "..", "", "%20x", "a%2Fb", "é", "a.b.c",
            "~user", "a_b-c", "camping", "ampere", "file.tar.gz", "c", "url"]
    tails = ["", "", "", "/", "//", "?utm_source=x", "?id=3&utm_medium=y", "?", "#frag",
             "#!/route", "?url=https%3A%2F%2Fother.org%2Fp", "?q=1", "#", " ", "?amp"]
    items = ["id=3", "utm_source=x", "utm_medium=", "b=2", "a=1", "A=2", "a", "a=", "m=1",
             "m=2", "s=12", "s=123", "s=", "ref=tw", "ref=TW", "z", "amp", "amp_js=1",
             "outputtype=amp", "mode=amp", "fbclid=Ab-9", "x.y=1.2", "sid=9", "t=10", "url=x",
             "Page=~a", "q=x", "ei=", "_ga=1", "igshid=q", "sort=new"]
    if plain:
        segs = [x for x in segs if "%" not in x and x not in (".", "..", "", "é")]
        tails = ["", "", "/"] + ["?" + "&".join(rng.choice(items, rng.integers(1, 5)))
                                 for _ in range(40)]
        ports = [""]
    out = []
    for _ in range(n):
        path = "".join("/" + segs[k] for k in rng.integers(0, len(segs), rng.integers(0, 4)))
        out.append(schemes[rng.integers(len(schemes))] + subs[rng.integers(len(subs))]
                   + hosts[rng.integers(len(hosts))] + ports[rng.integers(len(ports))]
                   + path + tails[rng.integers(len(tails))])
    return [*out, "", "  ", "nourl", "https://", "http://www.", "www.m.com", "HTTP://A.B/C/"]


def test_vectorised_urls_are_urals():
    """The vectorised path for plain URLs gives exactly what ural gives, one URL at a time."""
    urls = _url_corpus(4000, seed=7) + _url_corpus(4000, seed=8, plain=True)
    got = normalize_urls(urls)
    want = [normalize_url_value(u) for u in urls]
    bad = [(u, g, w) for u, g, w in zip(urls, got, want, strict=True) if g != w]
    assert not bad, bad[:10]
    assert normalize_urls(pa.array(["https://x.org/a", None])).tolist() == ["x.org/a", None]
    assert normalize_urls([]).tolist() == []


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


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(
    [*"rtRT @:_xé\t ", "\u00a0", "\u3000"]), max_size=24)), max_size=40))
def test_rt_prefix_rewrites_only_the_texts_that_have_one(texts):
    """The match-then-rewrite shortcut gives what rewriting every text gives, both when
    few texts have a prefix (rewritten alone) and when most do (all rewritten)."""
    for padding in (0, 4 * len(texts) + 1):
        arr = pc.utf8_lower(pa.array(texts + ["plain"] * padding, pa.large_string()))
        assert _strip_rt_prefix(arr).to_pylist() == pc.replace_substring_regex(
            arr, _RT_PREFIX, "").to_pylist()
