"""Column helpers of the canonical tables: the fast uniqueness check agrees with pandas."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from astroturf.io.strings import all_unique

IDS = st.one_of(
    st.from_regex(r"[0-9]{1,3}", fullmatch=True),  # leading zeros: '07' and '7' are different ids
    st.from_regex(r"[0-9]{19,21}", fullmatch=True),  # beyond int64 on some
    st.sampled_from(["-1", "+1", " 1", "1 ", "t1_ab", "١٢", ""]),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(IDS, max_size=40))
def test_all_unique_is_pandas_duplicated(values):
    s = pd.Series(values, dtype="str")
    assert all_unique(s) == (not s.duplicated().any())


def test_all_unique_on_decimal_ids_beyond_the_sampled_head():
    ids = [str(10**18 + i) for i in range(5000)]
    assert all_unique(pd.Series(ids, dtype="str"))
    assert not all_unique(pd.Series([*ids, ids[17]], dtype="str"))
    assert all_unique(pd.Series([*ids, "x"], dtype="str"))  # a late non-digit id: hash path
    assert not all_unique(pd.Series([*ids, "x", "x"], dtype="str"))
