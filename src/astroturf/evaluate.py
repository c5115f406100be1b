"""Score a scan against labels: ranking (AUC, AP), flags (precision/recall/F1), groups (ARI).

Why: users need to know how far to trust a scan on data like theirs, and developers need the
same numbers on every labelled set. Accounts that are labelled but absent from the output count
as score 0 and not flagged (a scan must not look better by dropping accounts); they are
reported as missing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from astroturf.errors import InputError
from astroturf.schema import STR_DTYPE

log = logging.getLogger("astroturf.evaluate")

GROUP_COLUMNS = ("group", "source_label", "account_category")
_POSITIVE = {"coordinated", "1", "true", "t", "yes", "y", "positive", "bot", "inauthentic",
             "fake", "troll", "spam", "1.0"}
_NEGATIVE = {"genuine", "0", "false", "f", "no", "n", "negative", "human", "authentic",
             "organic", "legitimate", "0.0"}
_GUARDED = re.compile(r"^'(?=[ \u00a0]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20])")


def label_values(labels: pd.Series, *, source: str = "labels") -> pd.Series:
    """1 for coordinated, 0 for genuine; raises InputError naming the first unknown value."""
    text = labels.astype(STR_DTYPE).str.strip().str.lower()
    out = pd.Series(np.where(text.isin(_POSITIVE), 1, np.where(text.isin(_NEGATIVE), 0, -1)),
                    index=labels.index)
    bad = out[out < 0]
    if len(bad):
        row = bad.index[0]
        raise InputError(f"unknown label {labels.loc[bad.index[0]]!r} in column 'label' "
                         f"(data row {row}, {len(bad)} such rows)", source=source,
                         hint="use 'coordinated' / 'genuine' (or 1/0, true/false)")
    return out.astype("int64")


def _detect_group(labels: pd.DataFrame, group_column: str | None, source: str) -> str | None:
    if group_column is not None:
        if group_column not in labels.columns:
            raise InputError(f"no column {group_column!r} in the labels", source=source,
                             hint=f"columns found: {', '.join(map(str, labels.columns))}")
        return group_column
    return next((c for c in GROUP_COLUMNS if c in labels.columns), None)


def _joined(accounts_out: pd.DataFrame, labels: pd.DataFrame, *, source: str) -> pd.DataFrame:
    for col in ("account_id", "label"):
        if col not in labels.columns:
            raise InputError(f"labels have no {col!r} column", source=source,
                             hint="labels need columns account_id,label (+ optional group)")
    lab = labels.dropna(subset=["account_id"]).copy()
    lab["y"] = label_values(lab["label"], source=source)
    lab["account_id"] = lab["account_id"].astype(STR_DTYPE).str.strip()
    lab = lab.drop_duplicates("account_id", keep="first").reset_index(drop=True)
    out = accounts_out.drop_duplicates("account_id").copy()
    out["account_id"] = out["account_id"].astype(STR_DTYPE)
    out = out.set_index("account_id")
    j = lab.join(out[["score", "flagged", "cluster_id"]], on="account_id")
    j["matched"] = lab["account_id"].isin(out.index).to_numpy()
    j["score"] = pd.to_numeric(j["score"], errors="coerce").fillna(0.0)
    j["flagged"] = _as_bool(j["flagged"])
    j["cluster_id"] = j["cluster_id"].astype(STR_DTYPE).fillna("")
    return j


def _as_bool(col: pd.Series) -> pd.Series:
    text = col.astype(STR_DTYPE).str.strip().str.lower()
    return text.isin({"true", "1", "t", "yes"}).astype(bool)


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den else None


def evaluate(accounts_out: pd.DataFrame, labels: pd.DataFrame, *,
             group_column: str | None = None, source: str = "labels") -> dict[str, Any]:
    """Metrics of a scan's accounts table against labels.

    accounts_out: account_id, score, flagged, cluster_id (as written by a scan).
    labels: account_id, label ('coordinated'/'genuine' or 1/0/true/false), optional group
    column (auto: group, source_label, account_category).
    Returns a dict: n_labelled, n_matched, n_missing, missing (first 20 ids), n_coordinated,
    n_genuine, auc, average_precision, precision, recall, f1, false_positive_rate,
    n_flagged_labelled, group_column, per_group ({group: {n, flagged, flagged_share}}), ari,
    ari_n. Undefined metrics (e.g. AUC with one class) are None.
    """
    from sklearn.metrics import adjusted_rand_score, average_precision_score, roc_auc_score

    j = _joined(accounts_out, labels, source=source)
    y, s, f = j["y"].to_numpy(), j["score"].to_numpy(float), j["flagged"].to_numpy(bool)
    pos, neg = int(y.sum()), int((1 - y).sum())
    tp, fp = int((f & (y == 1)).sum()), int((f & (y == 0)).sum())
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, pos)
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else None)
    both = pos > 0 and neg > 0
    res: dict[str, Any] = {
        "n_labelled": len(j), "n_matched": int(j["matched"].sum()),
        "n_missing": int((~j["matched"]).sum()),
        "missing": sorted(j.loc[~j["matched"], "account_id"].tolist())[:20],
        "n_coordinated": pos, "n_genuine": neg,
        "auc": float(roc_auc_score(y, s)) if both else None,
        "average_precision": float(average_precision_score(y, s)) if pos > 0 else None,
        "precision": precision, "recall": recall, "f1": f1,
        "false_positive_rate": _ratio(fp, neg), "n_flagged_labelled": int(f.sum()),
    }
    group = _detect_group(labels, group_column, source)
    res["group_column"] = group
    res["per_group"], res["ari"], res["ari_n"] = {}, None, 0
    if group is not None:
        g = j[group].astype(STR_DTYPE).str.strip().fillna("")
        g = g.mask(g == "", "(none)")
        stats = pd.DataFrame({"g": g, "f": f}).groupby("g", sort=True)["f"].agg(["size", "sum"])
        res["per_group"] = {str(k): {"n": int(r["size"]), "flagged": int(r["sum"]),
                                     "flagged_share": float(r["sum"] / r["size"])}
                            for k, r in stats.iterrows()}
        sel = (y == 1) & (j["cluster_id"] != "").to_numpy() & (g != "(none)").to_numpy()
        res["ari_n"] = int(sel.sum())
        if sel.sum() >= 2:
            res["ari"] = float(adjusted_rand_score(g[sel], j.loc[sel, "cluster_id"]))
    return res


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise InputError(f"{what} not found", source=str(path),
                         hint="pass the output directory of 'astroturf scan'"
                         if what == "accounts table" else "check the labels path") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what}: {exc}", source=str(path),
                         hint="expected a UTF-8 CSV file with a header row") from None


def evaluate_outdir(outdir: str, labels_path: str, *, group_column: str | None = None
                    ) -> dict[str, Any]:
    """:func:`evaluate` on ``<outdir>/accounts.csv`` (read as text) and a labels CSV."""
    acc_path = Path(outdir) / "accounts.csv"
    acc = _read_csv(acc_path, "accounts table")
    missing = {"account_id", "score", "flagged", "cluster_id"} - set(acc.columns)
    if missing:
        raise InputError(f"accounts table lacks column(s) {', '.join(sorted(missing))}",
                         source=str(acc_path), hint="re-run 'astroturf scan' into this folder")
    # undo the spreadsheet formula guard the CSV writer adds to ids like '-123'
    acc["account_id"] = acc["account_id"].str.replace(_GUARDED, "", regex=True)
    labels = _read_csv(Path(labels_path), "labels file")
    res = evaluate(acc, labels, group_column=group_column, source=str(labels_path))
    res["outdir"], res["labels"] = str(outdir), str(labels_path)
    return res


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def format_evaluation(result: dict[str, Any]) -> str:
    """A readable plain-text table of :func:`evaluate`'s result."""
    rows = [("labelled accounts", result["n_labelled"]),
            ("  matched in output", result["n_matched"]),
            ("  missing (score 0)", result["n_missing"]),
            ("  coordinated / genuine", f"{result['n_coordinated']} / {result['n_genuine']}"),
            ("AUC (score)", result["auc"]), ("average precision", result["average_precision"]),
            ("flagged (labelled)", result["n_flagged_labelled"]),
            ("precision", result["precision"]), ("recall", result["recall"]),
            ("F1", result["f1"]), ("genuine flagged (FPR)", result["false_positive_rate"])]
    if result.get("group_column"):
        rows.append((f"ARI cluster vs {result['group_column']}",
                     f"{_fmt(result['ari'])} (n={result['ari_n']})"))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k.ljust(width)}  {_fmt(v)}" for k, v in rows]
    if result.get("per_group"):
        lines.append("")
        lines.append(f"flagged share per {result['group_column']}:")
        gw = max(len(g) for g in result["per_group"])
        for g, r in result["per_group"].items():
            lines.append(f"  {g.ljust(gw)}  {r['flagged']:>6} / {r['n']:<6} "
                         f"{r['flagged_share']:.3f}")
    if result.get("missing"):
        lines.append("")
        lines.append("missing from output (first 20): " + " ".join(result["missing"]))
    return "\n".join(lines)
