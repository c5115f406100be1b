"""A directory or glob of Parquet/CSV parts is one dataset (sorted parts, recorded in meta)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from astroturf.cli import main
from astroturf.errors import InputError
from astroturf.io import read_dataset
from astroturf.io.inputs import expand_input, is_part
from astroturf.io.inspect import inspect_input


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory, sample_path: Path) -> tuple[Path, Path]:
    """The sample's first 600 posts as one CSV and as 3 Parquet parts + 1 CSV part."""
    root = tmp_path_factory.mktemp("parts")
    frame = pd.read_csv(sample_path, dtype=str, keep_default_na=False).head(600)
    whole = root / "whole.csv"
    frame.to_csv(whole, index=False)
    directory = root / "export"
    (directory / "day=2").mkdir(parents=True)
    frame.iloc[400:].to_csv(directory / "day=2" / "part-3.csv", index=False)
    for i, (start, stop) in enumerate(((0, 150), (150, 300), (300, 400))):
        frame.iloc[start:stop].to_parquet(directory / f"part-{i}.parquet", index=False)
    for junk in ("_SUCCESS", ".part-0.parquet.crc", "_metadata"):
        (directory / junk).write_bytes(b"")
    return whole, directory


def test_parts_are_sorted_and_bookkeeping_files_skipped(parts):
    _, directory = parts
    group = expand_input(str(directory))
    assert group.kind == "directory"
    assert [Path(f).relative_to(directory).as_posix() for f in group.files] == [
        "day=2/part-3.csv", "part-0.parquet", "part-1.parquet", "part-2.parquet"]
    assert not is_part("_SUCCESS") and not is_part(".x.parquet.crc") and is_part("a.csv.gz")


def test_directory_reads_as_one_dataset(parts):
    whole, directory = parts
    one = read_dataset([str(whole)])
    many = read_dataset([str(directory)])
    pd.testing.assert_frame_equal(one.posts, many.posts)
    pd.testing.assert_frame_equal(one.accounts, many.accounts)
    assert many.meta["input_groups"] == [{
        "input": str(directory), "kind": "directory",
        "parts": ["day=2/part-3.csv", "part-0.parquet", "part-1.parquet", "part-2.parquet"]}]
    later = many.meta["inputs"][1]
    assert later["part_of"] == str(directory)
    assert later["roles"]["posts.account_id"]["how"] == "as in the first part (exact name)"


def test_glob_and_cli(parts, tmp_path):
    _, directory = parts
    pattern = str(directory / "part-*.parquet")
    data = read_dataset([pattern])
    assert [Path(m["path"]).name for m in data.meta["inputs"]] == [
        "part-0.parquet", "part-1.parquet", "part-2.parquet"]
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["scan", str(directory), "-o", str(out), "-q",
                                       "--no-html", "--graph", "none"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["name"] for i in manifest["inputs"]] == ["part-3.csv", "part-0.parquet",
                                                      "part-1.parquet", "part-2.parquet"]
    assert all(i["sha256"] for i in manifest["inputs"])
    assert inspect_input(str(directory))["parts"][0].endswith("part-3.csv")


def test_a_part_without_a_required_column_is_named(tmp_path):
    directory = tmp_path / "d"
    directory.mkdir()
    pd.DataFrame({"account_id": ["a"], "created_at": ["2024-01-01"], "text": ["x"]}).to_csv(
        directory / "a.csv", index=False)
    pd.DataFrame({"user": ["b"], "created_at": ["2024-01-01"], "text": ["y"]}).to_csv(
        directory / "b.csv", index=False)
    with pytest.raises(InputError) as err:
        read_dataset([str(directory)])
    assert err.value.source == str(directory / "b.csv")
    assert "'account_id'" in err.value.message and "first part" in err.value.message


@pytest.mark.parametrize("argument", ["{tmp}/empty", "{tmp}/nothing-*.parquet"])
def test_nothing_to_read_is_an_input_error(tmp_path, argument):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError) as err:
        read_dataset([argument.format(tmp=tmp_path)])
    assert err.value.hint
