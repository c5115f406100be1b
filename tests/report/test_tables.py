import json

import pandas as pd
import pytest

from astroturf.errors import UsageError
from astroturf.report.tables import format_times, write_tables
from astroturf.schema import EDGE_OUT_COLUMNS, EVIDENCE_OUT_COLUMNS

from . import make_result


def test_csv_tables_columns_times_and_injection(tmp_path):
    paths = write_tables(make_result(), tmp_path)
    assert sorted(p.name for p in paths) == ["accounts.csv", "clusters.csv", "edges.csv",
                                             "evidence.csv"]
    edges = pd.read_csv(tmp_path / "edges.csv", dtype=str, keep_default_na=False)
    assert list(edges.columns)[:len(EDGE_OUT_COLUMNS)] == EDGE_OUT_COLUMNS
    assert list(edges.columns)[len(EDGE_OUT_COLUMNS):] == ["expected", "p_value", "q_value",
                                                           "cluster_id"]
    assert edges["first_seen"].iloc[1] == "2024-03-01T12:00:00Z"
    assert edges["first_seen"].iloc[0] == ""  # NaT for a profile signal
    result = make_result()
    assert [float(v) for v in edges["p_value"]] == result.edges["p_value"].tolist()  # exact
    acc = pd.read_csv(tmp_path / "accounts.csv", dtype=str, keep_default_na=False)
    assert acc["handle"].iloc[3] == "'=cmd|' /C calc'!A0"
    assert acc["bio"].iloc[3] == "'@SUM(1+1) gardener"
    assert acc["score"].iloc[2] == "-0.5"  # numbers stay numbers
    ev = pd.read_csv(tmp_path / "evidence.csv", dtype=str, keep_default_na=False)
    assert list(ev.columns) == EVIDENCE_OUT_COLUMNS
    assert ev.loc[ev["text_b"].str.contains("lunch"), "text_b"].iloc[0] == "'+1 had a nice lunch"


def test_csv_quoting_missing_vs_empty_and_booleans(tmp_path):
    result = make_result()
    result.accounts["note"] = pd.Series(["", None, 'say "hi", ok\nbye', "x"], dtype="str")
    result.accounts["tiny"] = [1e-300, 0.1, float("nan"), -2.0]
    write_tables(result, tmp_path)
    lines = (tmp_path / "accounts.csv").read_text("utf-8").split("\n")
    assert lines[0].startswith('"account_id","handle","score","flagged","cluster_id","reasons"')
    assert lines[1].endswith(',"",1e-300') and ',true,' in lines[1]
    assert lines[2].endswith(",,0.1")  # missing text: empty, unquoted
    back = pd.read_csv(tmp_path / "accounts.csv", dtype={"note": str})
    assert back["note"][2] == 'say "hi", ok\nbye' and back["tiny"][0] == 1e-300


def test_parquet_keeps_exact_dtypes(tmp_path):
    result = make_result()
    write_tables(result, tmp_path, formats=("parquet",))
    back = pd.read_parquet(tmp_path / "evidence.parquet")
    assert str(back["time_a"].dtype) == "datetime64[ns, UTC]"
    assert back["text_a"].tolist() == result.evidence["text_a"].tolist()  # raw, not guarded
    edges = pd.read_parquet(tmp_path / "edges.parquet")
    assert edges["p_value"].tolist() == result.edges["p_value"].tolist()


def test_jsonl_one_object_per_row(tmp_path):
    result = make_result()
    write_tables(result, tmp_path, formats=("json",))
    lines = (tmp_path / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(result.clusters)
    first = json.loads(lines[0])
    assert first["cluster_id"] == "1" and first["first_seen"] == "2024-03-01T12:00:00Z"
    assert first["q_value"] == pytest.approx(3e-7)
    acc = [json.loads(x) for x in (tmp_path / "accounts.jsonl").read_text("utf-8").splitlines()]
    assert acc[2]["handle"] == "<script>alert(1)</script>" and acc[0]["n_posts"] == 2


def test_templates_written_when_present_and_bytes_stable(tmp_path):
    result = make_result()
    result.templates = pd.DataFrame({"template_id": ["t1"], "canonical_text": ["=x"],
                                     "n_posts": [3], "n_accounts": [3],
                                     "accounts": ["a1 a2 a3"]})
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_tables(result, tmp_path / "a", formats=("csv", "parquet", "json"))
    b = write_tables(result, tmp_path / "b", formats=("json", "csv", "parquet"))
    assert len(a) == 15 and [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert "'=x" in (tmp_path / "a" / "templates.csv").read_text("utf-8")


def test_fractional_seconds_only_when_needed():
    whole = pd.Series(pd.to_datetime(["2024-01-01 00:00:01", None], utc=True))
    frac = pd.Series(pd.to_datetime(["2024-01-01 00:00:01.25", "2024-01-01 00:00:00.0"], utc=True))
    assert format_times(whole).tolist()[0] == "2024-01-01T00:00:01Z"
    assert pd.isna(format_times(whole).tolist()[1])
    assert format_times(frac).tolist() == ["2024-01-01T00:00:01.250000Z",
                                           "2024-01-01T00:00:00.000000Z"]


def test_unknown_format_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="xlsx"):
        write_tables(make_result(), tmp_path, formats=("xlsx",))


def test_times_before_1970_and_sub_second_times_are_floored_like_numpy():
    t = pd.Series(pd.to_datetime(["1969-12-31 23:59:59.9999995", "2024-02-29 12:00:00.000001",
                                  None], utc=True))
    assert format_times(t).tolist()[:2] == ["1969-12-31T23:59:59.999999Z",
                                            "2024-02-29T12:00:00.000001Z"]
    naive = pd.Series(pd.to_datetime(["1950-06-01 10:00:00"]))
    assert format_times(naive).tolist() == ["1950-06-01T10:00:00Z"]
