import os

import pytest

from astroturf.errors import OutputError
from astroturf.report.atomic import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    check_not_input,
)


def test_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    atomic_write_text(target, "old\n")
    atomic_write_bytes(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_failure_keeps_old_content_and_removes_temp(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous result\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="crash"), atomic_path(target) as tmp:
        tmp.write_text("half-written", encoding="utf-8")
        assert tmp.parent == tmp_path and tmp != target
        raise RuntimeError("crash mid-way")
    assert target.read_text(encoding="utf-8") == "previous result\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_failure_without_previous_file_leaves_nothing(tmp_path):
    with pytest.raises(ValueError), atomic_path(tmp_path / "new.json") as tmp:
        tmp.write_bytes(b"{")
        raise ValueError
    assert os.listdir(tmp_path) == []


def test_missing_directory_is_an_output_error(tmp_path):
    with pytest.raises(OutputError) as err:
        atomic_write_text(tmp_path / "nope" / "x.csv", "x")
    assert err.value.hint and err.value.exit_code == 2


def test_check_not_input_refuses_same_file(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to overwrite"):
        check_not_input(tmp_path / "." / "export.csv", [str(src)])
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    with pytest.raises(OutputError):
        check_not_input(link, [str(src)])
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    with pytest.raises(OutputError):
        check_not_input(hard, [str(src)])


def test_check_not_input_allows_other_files_and_stdin(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text("a\n", encoding="utf-8")
    check_not_input(tmp_path / "accounts.csv", [str(src), "-"])
    check_not_input(tmp_path / "missing_yet.csv", [str(tmp_path / "other_missing.csv")])
