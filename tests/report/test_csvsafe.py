import io

import numpy as np
import pandas as pd
import pytest

from astroturf.report.csvsafe import formula_safe

PAYLOADS = ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
            "  =1+1", "＝1+1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_prefixed(payload):
    out = formula_safe(pd.DataFrame({"text": pd.Series([payload], dtype="str")}))
    assert out["text"][0] == "'" + payload


def test_harmless_text_missing_and_numbers_unchanged():
    df = pd.DataFrame({
        "text": pd.Series(["hello", "a=b", "", None, "1-2"], dtype="str"),
        "neg": [-1.5, -2.0, 3.0, np.nan, -0.0],
        "count": pd.array([-3, 1, None, 4, 5], dtype="Int64"),
        "flag": pd.array([True, False, None, True, False], dtype="boolean"),
    })
    out = formula_safe(df)
    assert out["text"].tolist()[:3] == ["hello", "a=b", ""]
    assert pd.isna(out["text"][3]) and out["text"][4] == "1-2"
    pd.testing.assert_frame_equal(out[["neg", "count", "flag"]], df[["neg", "count", "flag"]])
    assert list(out.dtypes) == list(df.dtypes)


def test_mixed_object_column_guards_only_strings():
    col = pd.Series(["=1", -5, None, "-x", 2.5], dtype=object)
    out = formula_safe(pd.DataFrame({"v": col}))["v"].tolist()
    assert out[0] == "'=1" and out[1] == -5 and out[2] is None and out[3] == "'-x"
    assert out[4] == 2.5


def test_input_not_mutated_and_csv_roundtrip_keeps_numbers():
    df = pd.DataFrame({"handle": pd.Series(["=evil", "ok"], dtype="str"), "score": [-0.5, 1.0]})
    before = df.copy()
    out = formula_safe(df)
    pd.testing.assert_frame_equal(df, before)
    back = pd.read_csv(io.StringIO(out.to_csv(index=False)))
    assert back["score"].tolist() == [-0.5, 1.0]
    assert back["handle"].tolist() == ["'=evil", "ok"]
