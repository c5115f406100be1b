"""Every value parser guarded: bad URLs, counts, ids, times dropped and counted, or --strict."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from astroturf.cli import main
from astroturf.errors import InputError
from astroturf.io import read_dataset
from astroturf.io.cells import guard_counts, guard_urls, url_ok
from astroturf.io.timeparse import parse_times

ROWS = {"post_id": ["1", "2", "3", "4"], "account_id": ["a", "b", "c", "d"],
        "created_at": ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "2024-01-01T00:00:02Z",
                       "2024-01-01T00:00:03Z"],
        "text": ["x", "y", "z", "w"],
        "urls": ["https://a.example/p", "https://a.example:om/p https://b.example",
                 "http://[::1", None],
        "followers": ["10", "1e30", "-4", "12,345"],
        "profile_url": ["https://me.example", "https://me.example:99999", None, None]}


@pytest.mark.parametrize("url", ["https://a.example:om", "http://[::1", "https://a.com:99999",
                                 "https://a.com:-1", "https://[zz]/", "\uff48ttps://a.b\uff1aom"])
def test_urls_that_downstream_parsers_reject(url):
    assert not url_ok(url)


def test_url_tokens_dropped_cell_by_cell():
    cells = pd.Series(["https://ok.example/a", "https://ok.example https://x.example:om",
                       "http://[::1", None], dtype="str")
    out, lost = guard_urls(cells)
    assert list(out[:2]) == ["https://ok.example/a", "https://ok.example"]
    assert pd.isna(out[2]) and pd.isna(out[3])
    assert list(lost) == [False, True, True, False]


def test_counts():
    values, bad = guard_counts(pd.Series(["10", "1e30", "-4", "12,345", "", "abc"], dtype="str"))
    assert list(values[[0, 3]]) == [10.0, 12345.0]
    assert list(bad) == [False, True, True, False, False, True]


def test_counts_of_repeated_cells_keep_the_index():
    """Counts are parsed once per distinct cell and put back on every row, index kept."""
    raw = pd.Series(["7", None, "x", "7", "1_000", "x", "NULL"], index=[5, 3, 9, 1, 0, 2, 8],
                    dtype="str")
    values, bad = guard_counts(raw)
    assert values.index.tolist() == raw.index.tolist() == bad.index.tolist()
    assert values.fillna(-1).tolist() == [7.0, -1, -1, 7.0, 1000.0, -1, -1]
    assert bad.tolist() == [False, False, True, False, False, True, False]


def test_bad_cells_dropped_and_counted(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    data = read_dataset([str(path)])
    assert len(data.posts) == 4
    assert data.meta["cells_dropped"] == {"accounts.followers": {"not_a_count": 2},
                                          "accounts.url": {"bad_url": 1},
                                          "posts.urls": {"bad_url": 2}}
    by_id = data.posts.set_index("post_id")
    assert by_id.loc["2", "urls"] == "https://b.example" and pd.isna(by_id.loc["3", "urls"])


def test_strict_names_file_row_column_and_fix(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    result = CliRunner().invoke(main, ["scan", str(path), "-o", str(tmp_path / "o"), "--strict",
                                       "-q"])
    assert result.exit_code == 2
    first, *rest = result.stderr.strip().split("\n")
    assert first.startswith(f"Error: {path}: data row 2, column ")
    assert "without --strict" in rest[-1]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("bad", ["2923-03-01T00:21:20Z", "202-03-01T00:00:47Z",
                                 "1969-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "10:00"])
def test_impossible_times_are_unparseable(bad):
    values = pd.Series(["2024-01-01T00:00:00Z"] * 30 + [bad], dtype="str")
    parsed = parse_times(values, source="f", column="c")
    assert parsed.n_bad == 1 and parsed.values.isna().sum() == 1
    with pytest.raises(InputError) as err:
        parse_times(values, source="f", column="c", strict=True)
    assert "data row 31" in err.value.message and "without --strict" in err.value.hint


@pytest.mark.parametrize(("numbers", "expected"), [
    ([1.7e9, 1.7e9 + 1], "2023-11-14T22:13:20Z"), ([1.7e12, 1.7e12 + 1], "2023-11-14T22:13:20Z"),
    ([1.7e15, 1.7e15], "2023-11-14T22:13:20Z"), ([1.7e18, 1.7e18], "2023-11-14T22:13:20Z"),
])
def test_epoch_units_by_magnitude(numbers, expected):
    parsed = parse_times(pd.Series(numbers), source="f", column="c")
    assert parsed.values.iloc[0] == pd.Timestamp(expected)


def test_epoch_placeholders_and_overflow_are_bad():
    parsed = parse_times(pd.Series(["0", "1700000000", "1e300", "-5"] + ["1700000000"] * 80),
                         source="f", column="c")
    assert parsed.n_bad == 3


def test_account_times_and_overlong_ids_are_counted(tmp_path):
    n = 20
    rows = {"post_id": [str(i) for i in range(n)],
            "account_id": ["b" * 300 if i == 1 else f"u{i}" for i in range(n)],
            "created_at": ["2024-01-01T00:00:00Z"] * n, "text": ["x"] * n,
            "account_created_at": ["2923-01-01", "2019-01-01", "yesterday"] + ["2019-01-01"] * 17}
    path = tmp_path / "x.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    data = read_dataset([str(path)])
    cells = data.meta["cells_dropped"]
    assert cells["accounts.created_at"] == {"bad_time": 2}
    assert cells["posts.account_id"] == {"too_long": 1}
    assert data.meta["inputs"][0]["rows_dropped"] == {"missing_account_id": 1}
    assert len(data.posts) == n - 1
