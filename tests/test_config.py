"""Scan settings: precedence, validation (one Error line, exit 2), and that the near-duplicate
search settings reach the search."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from astroturf import pipeline, scandata
from astroturf.cli import main
from astroturf.config import ScanParams, load_params
from astroturf.errors import UsageError


def test_near_dup_search_settings_resolve_with_the_documented_precedence(tmp_path: Path):
    cfg = tmp_path / "astroturf.toml"
    cfg.write_text("[scan]\nnear_dup_bucket = 100\nnear-dup-hashes = 60\n")
    p = load_params(config_file=cfg, env={})
    assert (p.near_dup_bucket, p.near_dup_hashes) == (100, 60)
    p = load_params(config_file=cfg, env={"ASTROTURF_NEAR_DUP_BUCKET": "300"})
    assert (p.near_dup_bucket, p.near_dup_hashes) == (300, 60)
    assert (ScanParams().near_dup_bucket, ScanParams().near_dup_hashes) == (10, 40)


@pytest.mark.parametrize(("key", "value"), [("near_dup_bucket", 1), ("near_dup_hashes", 41),
                                            ("near_dup_hashes", 0), ("near_dup_hashes", 258)])
def test_near_dup_search_settings_out_of_range_are_usage_errors(key, value):
    with pytest.raises(UsageError, match=key) as err:
        load_params(env={}, overrides={key: value})
    assert err.value.source == f"--{key.replace('_', '-')}"
    with pytest.raises(UsageError, match=key) as err:
        load_params(env={f"ASTROTURF_{key.upper()}": str(value)})
    assert err.value.source == f"ASTROTURF_{key.upper()}"


def test_a_bad_setting_in_the_config_file_is_one_error_line_and_exit_2(tmp_path: Path,
                                                                       sample_path: Path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("near_dup_hashes = 41\n")
    res = CliRunner().invoke(main, ["scan", str(sample_path), "--config", str(cfg), "-o",
                                    str(tmp_path / "out"), "-q"])
    assert res.exit_code == 2
    assert "near_dup_hashes" in res.output and "Traceback" not in res.output
    assert str(cfg) in res.output  # names where the value came from
    assert not (tmp_path / "out").exists()


def test_the_scan_searches_near_duplicates_with_the_settings(monkeypatch, sample_path: Path):
    from astroturf.io import read_dataset

    seen = []

    def stop(data, **kw):
        seen.append(kw["neardup"])
        raise RuntimeError("stop after encode")

    monkeypatch.setattr(scandata, "encode", stop)
    with pytest.raises(RuntimeError, match="stop after encode"):
        pipeline.scan(read_dataset([str(sample_path)]),
                      ScanParams(near_dup_bucket=300, near_dup_hashes=60))
    assert (seen[0].max_bucket, seen[0].n_hashes) == (300, 60)
