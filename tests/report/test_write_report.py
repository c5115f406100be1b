import json
import os

import pytest

from astroturf.errors import OutputError, UsageError
from astroturf.report import write_report
from astroturf.report.manifest import file_sha256

from . import make_result

ALL = {"formats": ("csv", "parquet", "json"), "graph": ("gexf", "graphml")}


def _input(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("post_id,account_id\n1,a\n", encoding="utf-8")
    return src


def test_writes_everything_sorted_with_manifest_of_outputs(tmp_path):
    src = _input(tmp_path)
    out = tmp_path / "deep" / "out"
    paths = write_report(make_result(), out, inputs=[str(src)], **ALL)
    assert paths == sorted(paths) and len(paths) == 4 * 3 + 2 + 2
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)  # no temp files left
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    outputs = {o["name"]: o["sha256"] for o in manifest["outputs"]}
    assert "manifest.json" not in outputs and len(outputs) == len(paths) - 1
    assert outputs["report.html"] == file_sha256(out / "report.html")
    assert manifest["seed"] == 0


def test_byte_identical_across_runs(tmp_path):
    src = _input(tmp_path)
    a = write_report(make_result(), tmp_path / "a", inputs=[str(src)], **ALL)
    b = write_report(make_result(), tmp_path / "b", inputs=[str(src)], **ALL)
    for pa, pb in zip(a, b, strict=True):
        assert pa.name == pb.name and pa.read_bytes() == pb.read_bytes(), pa.name


def test_refuses_to_overwrite_input_before_writing_anything(tmp_path):
    src = tmp_path / "accounts.csv"
    src.write_text("precious input\n", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite") as err:
        write_report(make_result(), tmp_path, inputs=[str(src)])
    assert err.value.exit_code == 2
    assert src.read_text("utf-8") == "precious input\n"
    assert sorted(os.listdir(tmp_path)) == ["accounts.csv"]


def test_options_and_bad_outdir(tmp_path):
    src = _input(tmp_path)
    paths = write_report(make_result(), tmp_path / "o", inputs=[str(src)], graph=(), html=False)
    assert [p.name for p in paths] == ["accounts.csv", "clusters.csv", "edges.csv",
                                       "evidence.csv", "manifest.json"]
    with pytest.raises(OutputError, match="not a directory"):
        write_report(make_result(), src, inputs=[])
    with pytest.raises(UsageError):
        write_report(make_result(), tmp_path / "p", inputs=[], graph=("dot",))
    assert not (tmp_path / "p").exists()


def test_rerun_replaces_previous_outputs(tmp_path):
    result = make_result()
    write_report(result, tmp_path / "o", inputs=[])
    result.clusters.loc[0, "reasons"] = "updated reason"
    write_report(result, tmp_path / "o", inputs=[])
    assert "updated reason" in (tmp_path / "o" / "clusters.csv").read_text("utf-8")


def test_manifest_completed_with_input_hash_and_params(tmp_path):
    src = _input(tmp_path)
    result = make_result()
    result.manifest = {"counts": {"posts": 6}, "dataset": {"rows_dropped": {"no time": 1}}}
    write_report(result, tmp_path / "o", inputs=[str(src)], params={"fdr": 0.1, "seed": 5})
    m = json.loads((tmp_path / "o" / "manifest.json").read_text("utf-8"))
    assert m["inputs"] == [{"name": "export.csv", "size": src.stat().st_size,
                            "sha256": file_sha256(src)}]
    assert m["parameters"]["fdr"] == 0.1 and m["seed"] == 5
    assert m["signals"]["client"].startswith("skipped")
    assert m["dataset"]["rows_dropped"] == {"no time": 1} and m["counts"]["posts"] == 6
    assert str(tmp_path) not in (tmp_path / "o" / "manifest.json").read_text("utf-8")
    assert file_sha256(src) in (tmp_path / "o" / "report.html").read_text("utf-8")
    assert result.manifest == {"counts": {"posts": 6},
                               "dataset": {"rows_dropped": {"no time": 1}}}  # not mutated
