import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

from astroturf.report.manifest import build_manifest, file_sha256, manifest_json

from . import make_result


def _inputs(tmp_path):
    data = b"id,user,time\n" + b"1,a,2024-01-01T00:00:00\n" * 70000  # > 1 MiB: several chunks
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return path, data


def _manifest(path):
    return build_manifest(
        params={"fdr": 0.05, "window": 60.0, "seed": 7},
        inputs=[{"path": str(path), "format": "generic_csv", "mapping": {"account_id": "user"}},
                {"path": "-", "format": "jsonl"}],
        dataset_meta={"rows_read": np.int64(70000), "rows_dropped": {"bad time": 0},
                      "time_resolution": 1.0, "naive_times_assumed_utc": True,
                      "formats": {"csv", "jsonl"}, "missing": float("nan")},
        signals={"co_text": "ran: 3 edges", "bio": "skipped: no bios"},
        counts={"posts": 70000, "clusters": 1}, seed=7)


def test_sha256_streamed_matches_hashlib(tmp_path):
    path, data = _inputs(tmp_path)
    assert len(data) > 1 << 20
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_manifest_inputs_params_and_no_run_specific_values(tmp_path):
    path, data = _inputs(tmp_path)
    m = _manifest(path)
    first, stdin = m["inputs"]
    assert first["name"] == "export.csv" and first["size"] == len(data)
    assert first["sha256"] == hashlib.sha256(data).hexdigest()
    assert first["mapping"] == {"account_id": "user"}
    assert stdin["name"] == "-" and stdin["sha256"] is None and stdin["stdin"] is True
    assert m["seed"] == 7 and m["parameters"]["fdr"] == 0.05
    assert m["signals"]["bio"] == "skipped: no bios"
    assert m["dataset"]["formats"] == ["csv", "jsonl"] and m["dataset"]["missing"] is None
    text = manifest_json(m)
    assert str(tmp_path) not in text  # no absolute (temp) paths
    assert not re.search(r"20\d\d-\d\d-\d\dT", text)  # no run timestamps
    assert json.loads(text)["counts"]["posts"] == 70000


def test_manifest_identical_across_runs_and_locations(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    pa, _ = _inputs(tmp_path / "x")
    pb, _ = _inputs(tmp_path / "y")
    assert manifest_json(_manifest(pa)) == manifest_json(_manifest(pb))


def test_manifest_json_is_strict_json_with_times_as_iso():
    text = manifest_json({"b": pd.Timestamp("2024-01-01", tz="UTC"), "a": float("inf"),
                          "c": pd.Timedelta("90s")})
    assert json.loads(text) == {"a": None, "b": "2024-01-01T00:00:00Z", "c": 90.0}
    assert text.index('"a"') < text.index('"b"') and text.endswith("}\n")


def test_missing_input_file_raises(tmp_path):
    with pytest.raises(OSError):
        build_manifest(params={}, inputs=[{"path": str(tmp_path / "gone.csv")}],
                       dataset_meta={}, signals={}, counts={}, seed=0)


def test_result_manifest_serialises():
    assert json.loads(manifest_json(make_result().manifest))["seed"] == 0
