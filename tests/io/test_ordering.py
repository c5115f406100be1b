"""Reader ordering shortcuts agree with the full computation they replace.

``in_order`` lets a table already in canonical order skip its sort and take;
``latest_sightings`` picks each poster's latest profile values by position instead of a
frame-wide sort, take and groupby. Both must give exactly what the slow path gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from astroturf.io.formats._records import latest_sightings
from astroturf.io.split import in_order, sort_order
from astroturf.io.strings import canonical_accounts
from astroturf.schema import ACCOUNT_COLUMNS


def _random_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "a": pd.Series(rng.choice(["x", "y", None, "xa", "", "é"], n), dtype="str"),
        "t": pd.to_datetime(rng.integers(0, 3, n), unit="s", utc=True),
        "i": pd.array(rng.choice([1, 2, None], n), dtype="Int64"),
        "c": rng.integers(0, 2, n),
    })


def test_in_order_is_true_exactly_when_the_sort_is_the_identity():
    rng = np.random.default_rng(7)
    seen = {True: 0, False: 0}
    for _ in range(1500):
        df = _random_frame(rng, int(rng.integers(0, 9)))
        cols = list(rng.permutation(["a", "t", "i", "c"])[: int(rng.integers(1, 5))])
        order = sort_order(df, cols)
        want = bool((order == np.arange(len(df))).all())
        assert in_order(df, cols) is want, (df, cols)
        seen[want] += 1
        assert in_order(df.iloc[order].reset_index(drop=True), cols)
    assert min(seen.values()) > 100  # both answers were exercised


def _slow_latest(accounts: pd.DataFrame, posters: pd.Series) -> pd.DataFrame:
    """The former path: posters only, id-only rows added, full sort, groupby last."""
    accounts = accounts[accounts["account_id"].isin(set(posters.dropna()))]
    extra = pd.DataFrame({"account_id": sorted(set(posters.dropna())
                                                - set(accounts["account_id"]))})
    extra = canonical_accounts(extra).assign(seen=np.iinfo(np.int64).min)
    both = pd.concat([accounts, extra], ignore_index=True)
    order = ["account_id", "seen", *ACCOUNT_COLUMNS[1:]]
    both = both.iloc[sort_order(both, order)]
    out = both.groupby("account_id", sort=True, dropna=True)[ACCOUNT_COLUMNS[1:]].last()
    return canonical_accounts(out.reset_index())


def test_latest_sightings_matches_sort_and_groupby_last():
    rng = np.random.default_rng(3)
    for trial in range(60):
        n = int(rng.integers(0, 40))
        ids = np.array(["u1", "u2", "u10", "zé", "b"])
        raw = pd.DataFrame({
            "account_id": rng.choice(ids, n),
            "handle": rng.choice(["h1", "h2", None], n),
            "bio": rng.choice(["old bio", "new bio", None, "zz"], n),
            "followers": pd.array(rng.choice([5, 50, None], n), dtype="Int64"),
            "created_at": pd.to_datetime(rng.choice([0, 10**9, None], n), unit="s", utc=True),
        })
        accounts = canonical_accounts(raw)
        accounts["seen"] = rng.choice([np.iinfo(np.int64).min, 1, 2, 3], n)
        posters = pd.Series(rng.choice([*ids[:4], "nobody_profiled"], int(rng.integers(1, 30))),
                            dtype="str")
        got = latest_sightings(accounts, posters)
        want = _slow_latest(accounts, posters)
        pd.testing.assert_frame_equal(got, want, obj=f"trial {trial}")


def test_latest_sightings_latest_non_null_value_of_each_field_wins():
    accounts = canonical_accounts(pd.DataFrame({
        "account_id": ["u1", "u1", "u1", "u2", "gone"],
        "handle": ["old", "new", None, "bob", "x"],
        "bio": ["first bio", None, None, None, "y"],
    }))
    accounts["seen"] = [1, 2, 3, 1, 1]
    got = latest_sightings(accounts, pd.Series(["u2", "u1", "u3", "u1"], dtype="str"))
    assert list(got["account_id"]) == ["u1", "u2", "u3"]  # posters only, sorted, u3 id-only
    assert list(got["handle"].fillna("-")) == ["new", "bob", "-"]
    assert list(got["bio"].fillna("-")) == ["first bio", "-", "-"]
