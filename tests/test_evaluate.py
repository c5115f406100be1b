"""evaluate(): hand-computed metrics on a tiny labelled example; files; errors."""

from __future__ import annotations

import pandas as pd
import pytest

from astroturf.errors import InputError
from astroturf.evaluate import evaluate, evaluate_outdir, format_evaluation

OUT = pd.DataFrame({
    "account_id": ["a", "b", "c", "d", "e", "h", "i", "j", "-7"],
    "handle": [*"abcdehij", "m"],
    "score": [0.9, 0.8, 0.7, 0.3, 0.1, 0.6, 0.65, 0.5, 0.05],
    "flagged": [True, True, True, False, False, True, True, True, False],
    "cluster_id": ["1", "1", "2", "", "", "2", "2", "1", ""],
    "reasons": "r",
})
LABELS = pd.DataFrame({
    "account_id": ["a", "b", "c", "d", "e", "f", "h", "i", "j"],
    "label": ["coordinated", "coordinated", "genuine", "1", "0", "true", "coordinated",
              "Coordinated", "coordinated"],
    "group": ["g1", "g1", "gen", "g2", "gen", "g2", "g2", "g2", "g2"],
})


def check_hand_computed(r: dict) -> None:
    # positives a b d f h i j (f missing -> score 0), negatives c (0.7) e (0.1)
    # negatives ranked below each positive: a2 b2 d1 f0 h1 i1 j1 = 8 of 7*2
    assert r["auc"] == pytest.approx(8 / 14)
    # ranking a b c i h j d e f: precision at each positive 1, 1, 3/4, 4/5, 5/6, 6/7, 7/9
    assert r["average_precision"] == pytest.approx(
        (1 + 1 + 3 / 4 + 4 / 5 + 5 / 6 + 6 / 7 + 7 / 9) / 7)
    # flagged a b c h i j: TP 5, FP 1 (c)
    assert r["precision"] == pytest.approx(5 / 6)
    assert r["recall"] == pytest.approx(5 / 7)
    assert r["f1"] == pytest.approx(10 / 13)
    assert r["false_positive_rate"] == pytest.approx(1 / 2)
    assert r["n_labelled"] == 9 and r["n_matched"] == 8 and r["missing"] == ["f"]
    assert r["per_group"]["g2"] == {"n": 5, "flagged": 3, "flagged_share": 3 / 5}
    # coordinated in clusters: a b (g1, c1), j (g2, c1), h i (g2, c2):
    # sum C(n_ij,2)=2, rows 3+1=4, cols 1+3=4, expected 16/10, max 4 -> (2-1.6)/(4-1.6)
    assert r["ari"] == pytest.approx(1 / 6) and r["ari_n"] == 5


def test_hand_computed_metrics():
    r = evaluate(OUT, LABELS)
    assert r["group_column"] == "group"
    check_hand_computed(r)


def test_one_class_gives_none_and_source_label_detected():
    lab = LABELS[LABELS["label"].str.lower().isin(["coordinated", "1", "true"])].rename(
        columns={"group": "source_label"})
    r = evaluate(OUT, lab)
    assert r["auc"] is None and r["false_positive_rate"] is None
    assert r["group_column"] == "source_label" and r["average_precision"] == pytest.approx(1.0)
    assert "n/a" in format_evaluation(r)


def test_outdir_roundtrip_and_table(tmp_path):
    guarded = OUT.copy()
    guarded["account_id"] = guarded["account_id"].replace({"-7": "'-7"})  # CSV formula guard
    guarded.to_csv(tmp_path / "accounts.csv", index=False)
    labels = pd.concat([LABELS, pd.DataFrame({"account_id": ["-7"], "label": ["genuine"],
                                              "group": ["gen"]})])
    labels.to_csv(tmp_path / "labels.csv", index=False)
    r = evaluate_outdir(str(tmp_path), str(tmp_path / "labels.csv"))
    assert r["n_matched"] == 9 and r["missing"] == ["f"]
    text = format_evaluation(r)
    assert "AUC (score)" in text and "ARI cluster vs group" in text and "g2" in text


def test_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="unknown label 'maybe'"):
        evaluate(OUT, LABELS.assign(label=["maybe", *LABELS["label"][1:]]))
    with pytest.raises(InputError, match="no 'label' column"):
        evaluate(OUT, LABELS.drop(columns="label"))
    with pytest.raises(InputError, match="no column 'team'"):
        evaluate(OUT, LABELS, group_column="team")
    with pytest.raises(InputError, match="accounts table not found"):
        evaluate_outdir(str(tmp_path), str(tmp_path / "labels.csv"))
