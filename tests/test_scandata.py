"""The once-per-scan encoding: account codes, canonical post order, text and target keys."""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.scandata import KIND_CODES, encode
from astroturf.schema import Dataset, coerce_accounts, coerce_posts, empty_accounts, empty_posts

T0 = pd.Timestamp("2024-03-01T12:00:00Z")


def dataset(rows: list[dict], accounts: list[str] = ()) -> Dataset:
    frame = pd.DataFrame(rows)
    frame["created_at"] = T0 + pd.to_timedelta(frame.pop("sec"), unit="s")
    if "post_id" not in frame:
        frame["post_id"] = [f"p{i:03d}" for i in range(len(frame))]
    acc = coerce_accounts(pd.DataFrame({"account_id": list(accounts)})) if accounts else (
        empty_accounts())
    return Dataset(posts=coerce_posts(frame), accounts=acc)


ROWS = [
    {"post_id": "q9", "account_id": "b", "text": "Vote for X today, friends", "sec": 5},
    {"post_id": "rt", "account_id": "a", "text": "RT @bob: vote for x today, friends",
     "sec": 9, "kind": "repost", "target_post_id": "t1"},
    {"post_id": "at", "account_id": "a", "text": "@carl VOTE for X today, friends https://t.co/x",
     "sec": 5},
    {"post_id": "pn", "account_id": "c", "text": "vote for x today friends!!!", "sec": 5},
    {"post_id": "q1", "account_id": "b", "text": "short", "sec": 5},  # ties with q9: by id
    {"post_id": "re", "account_id": "c", "text": None, "sec": 7, "kind": "reply",
     "target_post_id": "t1"},
    {"post_id": "rx", "account_id": "d", "text": "vote for x today, friends", "sec": 8,
     "kind": "repost"},
    {"post_id": "na", "account_id": None, "text": "no account", "sec": 1},
]


def test_accounts_are_codes_into_sorted_ids_including_profile_only_accounts():
    sd = encode(dataset(ROWS, accounts=["e", "a"]))
    assert sd.ids.tolist() == ["a", "b", "c", "d", "e"] and sd.n_accounts == 5
    assert (sd.ids[sd.acc] == sd.posts["account_id"].to_numpy(dtype=object)[sd.row]).all()
    assert sd.codes_of(pd.Series(["c", "zz", "a"])).tolist() == [2, -1, 0]


def test_posts_in_canonical_order_and_rows_map_back():
    data = dataset(ROWS)
    sd = encode(data)
    assert len(sd.acc) == 7  # the post without an account is ignored
    p = data.posts.iloc[sd.row]
    assert (p["post_id"].to_numpy(dtype=object) == sd.post_id).all()
    key = list(zip(p["account_id"], p["created_at"], strict=True))
    assert key == sorted(key)  # by (account, time); ties by a hash of the post id, so the
    # order of q1 / q9 is fixed whatever the row order (test_encoding_does_not_depend_...)
    assert set(sd.post_id.tolist()[2:4]) == {"q1", "q9"}
    assert (sd.t == p["created_at"].astype("int64").to_numpy()).all()
    assert sd.kind.tolist() == [KIND_CODES.get(k, 0) if isinstance(k, str) else 0
                                for k in p["kind"]]


def by_post(sd, arr) -> dict[str, int]:
    return dict(zip(sd.post_id.tolist(), np.asarray(arr).tolist(), strict=True))


def test_text_keys_normalise_and_leave_out_reposts_and_short_texts():
    sd = encode(dataset(ROWS))
    text = by_post(sd, sd.text_key)
    fuzzy = by_post(sd, sd.fuzzy)
    assert text["q9"] == text["at"] >= 0  # case, mention and URL do not matter
    assert text["pn"] != text["q9"]  # punctuation does for the exact key ...
    assert fuzzy["pn"] == fuzzy["q9"] == fuzzy["at"] >= 0  # ... not for the fuzzy one
    assert text["rt"] == text["rx"] == fuzzy["rt"] == -1  # reposts
    assert text["re"] == -1  # no text
    assert text["q1"] >= 0 and fuzzy["q1"] == -1  # 'short' is under min_text_chars
    assert sd.fuzzy_texts[fuzzy["q9"]].as_py() == "vote for x today friends"
    assert len(sd.fuzzy_texts) == 1


def test_repost_and_reply_keys():
    sd = encode(dataset(ROWS))
    repost, reply = by_post(sd, sd.repost_key), by_post(sd, sd.reply_key)
    assert repost["rt"] >= 0 and repost["rx"] >= 0
    assert repost["rt"] != repost["rx"]  # by target id, else by the reposted text
    assert reply["re"] >= 0 and reply["rt"] == -1
    assert sum(v >= 0 for v in repost.values()) == 2 and sum(v >= 0 for v in reply.values()) == 1


def test_hashtag_sets_ignore_order_repeats_case_and_need_two_tags():
    rows = [{"account_id": "a", "hashtags": h, "sec": i} for i, h in
            enumerate(["b a a", "a b", "x", None, "C #d", "d c"])]
    sd = encode(dataset(rows))
    tags = by_post(sd, sd.tag_key)
    assert tags["p000"] == tags["p001"] >= 0
    assert tags["p002"] == tags["p003"] == -1
    assert tags["p004"] == tags["p005"] >= 0 and tags["p004"] != tags["p000"]


def test_url_items_are_distinct_normalised_urls_of_non_reposts():
    rows = [{"account_id": "a", "urls": "https://WWW.x.org/a?utm_source=1 http://x.org/a "
             "https://y.org", "sec": 0},
            {"account_id": "b", "urls": "x.org/a", "sec": 1, "kind": "repost"},
            {"account_id": "c", "urls": "", "sec": 2},
            {"account_id": "d", "urls": "http://x.org/a#top", "sec": 3}]
    sd = encode(dataset(rows))
    owner = sd.ids[sd.acc[sd.url_post]].tolist()
    assert owner == ["a", "a", "d"]
    assert len(set(sd.url_key.tolist())) == 2  # x.org/a and y.org, once per post
    assert sd.url_key[2] in sd.url_key[:2]  # d's URL is a's x.org/a


def test_encoding_does_not_depend_on_row_order():
    data = dataset(ROWS)
    sd = encode(data)
    for seed in range(5):
        shuffled = data.posts.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        assert_same_encoding(sd, encode(Dataset(posts=shuffled, accounts=data.accounts)),
                             shuffled)


def assert_same_encoding(sd, sd2, shuffled: pd.DataFrame) -> None:
    for name in ("ids", "acc", "t", "kind", "post_id", "text_key", "fuzzy", "fuzzy_texts",
                 "repost_key", "reply_key", "tag_key", "url_post", "url_key"):
        a, b = getattr(sd, name), getattr(sd2, name)
        if name in ("post_id", "fuzzy_texts"):  # arrow arrays (a tenth of Python strings)
            assert a.equals(b), name
        else:
            assert (a == b).all(), name
    assert (shuffled["post_id"].to_numpy(dtype=object)[sd2.row]
            == sd.post_id.to_numpy(zero_copy_only=False)).all()


def test_templates_are_computed_once_and_empty_input_encodes():
    sd = encode(dataset(ROWS))
    assert sd.templates() is sd.templates()
    empty = encode(Dataset(posts=empty_posts(), accounts=empty_accounts()))
    assert empty.n_accounts == 0 and len(empty.acc) == 0 and len(empty.url_key) == 0
    assert len(empty.templates().family) == 0


def test_codes_of_a_column_at_rows_are_those_of_its_values_in_row_order():
    """Encoding a column where it lies and renumbering by first appearance at the rows gives
    exactly what encoding a row-ordered copy gives (codes and dictionary)."""
    import pyarrow as pa

    from astroturf.scandata import _Columns, _dict_codes

    rng = np.random.default_rng(3)
    values = np.array(["a", "b", None, "c", "d", "b", "e"], dtype=object)[rng.integers(0, 7, 500)]
    posts = pd.DataFrame({"text": pd.array(values, dtype="str")})
    for rows in (rng.permutation(500), rng.permutation(500)[:120], np.arange(0)):
        codes, dictionary = _Columns(posts, rows).codes("text")
        want_codes, want_dict = _dict_codes(pa.array(values[rows], pa.large_string()))
        assert (codes == want_codes).all()
        assert dictionary.to_pylist() == want_dict.to_pylist()
