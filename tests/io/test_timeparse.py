"""parse_times: every accepted form, resolution, UTC assumptions, bad values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from astroturf.errors import InputError
from astroturf.io.timeparse import detect_resolution, parse_times


def _parse(values, **kw):
    return parse_times(pd.Series(values), source="f.csv", column="when", **kw)


def _ts(text):
    return pd.Timestamp(text, tz="UTC")


def test_iso_with_time_is_not_truncated_to_midnight():
    res = _parse(["2020-05-01T13:45:00", "2020-05-01T13:46:00"])
    assert res.values.iloc[0] == _ts("2020-05-01 13:45:00")
    assert res.values.iloc[0].hour == 13
    assert res.resolution_s == 60
    assert res.assumed_utc
    assert str(res.values.dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize(("raw", "expected"), [
    ("2020-05-01T13:45:07Z", "2020-05-01 13:45:07"),
    ("2020-05-01T13:45:07+02:00", "2020-05-01 11:45:07"),
    ("2020-05-01T13:45:07.250-05:00", "2020-05-01 18:45:07.250"),
    ("2020-05-01 13:45", "2020-05-01 13:45:00"),
    ("2020-05-01 13:45:07", "2020-05-01 13:45:07"),
    ("2020-05-01 13:45:07.123", "2020-05-01 13:45:07.123"),
    ("Tue Dec 11 23:26:15 +0000 2012", "2012-12-11 23:26:15"),
    ("Tue Dec 11 23:26:15 +0100 2012", "2012-12-11 22:26:15"),
])
def test_string_forms(raw, expected):
    assert _parse([raw]).values.iloc[0] == _ts(expected)


def test_offsets_mean_not_assumed_utc():
    assert not _parse(["2020-05-01T13:45:07Z", "2020-05-01T13:45:09+02:00"]).assumed_utc
    assert not _parse(["Tue Dec 11 23:26:15 +0000 2012"]).assumed_utc
    assert _parse(["2020-05-01T13:45:07Z", "2020-05-01 13:45:09"]).assumed_utc


def test_mixed_forms_fall_back_per_row():
    res = _parse(["2020-05-01T13:45:07Z"] * 30 + ["Tue Dec 11 23:26:15 +0000 2012"])
    assert res.values.iloc[-1] == _ts("2012-12-11 23:26:15")
    assert res.n_bad == 0


def test_epoch_seconds_vs_milliseconds_vs_microseconds():
    sec = _parse([1588340700, 1588340760])
    ms = _parse([1588340700000, 1588340760123])
    us = _parse(["1588340700000000", "1588340760000001"])
    assert sec.values.iloc[0] == ms.values.iloc[0] == us.values.iloc[0] == _ts(
        "2020-05-01 13:45:00")
    assert ms.values.iloc[1] == _ts("2020-05-01 13:46:00.123")
    assert us.values.iloc[1] == _ts("2020-05-01 13:46:00.000001")
    assert sec.resolution_s == 60 and ms.resolution_s == 1e-3 and us.resolution_s == 1e-6
    assert not sec.assumed_utc


def test_epoch_numeric_strings_and_floats():
    res = _parse(["1588340700", "1588340701.5", None, ""])
    assert res.values.iloc[1] == _ts("2020-05-01 13:45:01.5")
    assert res.values.iloc[2:].isna().all()
    assert res.n_bad == 0


def test_pandas_datetimes_naive_and_aware():
    naive = pd.Series(pd.to_datetime(["2020-05-01 13:45:01", None]))
    res = parse_times(naive, source="f", column="c")
    assert res.assumed_utc and res.values.iloc[0] == _ts("2020-05-01 13:45:01")
    aware = naive.dt.tz_localize("Europe/Berlin")
    res = parse_times(aware, source="f", column="c")
    assert not res.assumed_utc and res.values.iloc[0] == _ts("2020-05-01 11:45:01")


def test_index_is_kept():
    values = pd.Series(["2020-05-01 13:45:01", "2020-05-01 13:45:02"], index=[10, 3])
    res = parse_times(values, source="f", column="c")
    assert list(res.values.index) == [10, 3]


def test_resolutions():
    assert _parse(["2020-05-01", "2020-05-02"]).resolution_s == 86400
    # dates at local midnight: a day grid too (the scan's grid, kernels.sweep.time_grid_ns)
    assert _parse(["2020-05-01T00:00:00+02:00", "2020-05-03T00:00:00+02:00"]).resolution_s == 86400
    assert _parse(["2020-05-01 13:45:01", "2020-05-01 13:45:00"]).resolution_s == 1
    assert np.isnan(detect_resolution(pd.Series([], dtype="datetime64[ns, UTC]")))


def test_few_bad_values_are_counted_not_fatal():
    values = ["2020-05-01 13:45:01"] * 99 + ["garbage"]
    res = _parse(values)
    assert res.n_bad == 1 and res.first_bad == (100, "garbage")
    assert pd.isna(res.values.iloc[-1])


def test_many_bad_values_raise_with_row_and_value():
    with pytest.raises(InputError) as exc:
        _parse(["2020-05-01 13:45:01", "not a time", "2020-05-01 13:45:03"])
    err = exc.value
    assert err.source == "f.csv"
    assert "'when'" in err.message and "row 2" in err.message and "not a time" in err.message
    assert "--map created_at=" in err.hint


def test_strict_raises_on_any_bad_value():
    with pytest.raises(InputError):
        _parse(["2020-05-01 13:45:01"] * 99 + ["garbage"], strict=True)
