"""The command line, through click's CliRunner: exit codes, stdout vs stderr, files written."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from astroturf.cli import EXIT_FLAGGED, main


@pytest.fixture(scope="module")
def sample_scan(tmp_path_factory: pytest.TempPathFactory, sample_path: Path) -> Path:
    out = tmp_path_factory.mktemp("scan") / "out"
    result = CliRunner().invoke(main, ["scan", str(sample_path), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_scan_sample_writes_contract_files(sample_scan: Path) -> None:
    for name in ("accounts.csv", "clusters.csv", "edges.csv", "evidence.csv", "manifest.json",
                 "report.html", "graph.gexf"):
        assert (sample_scan / name).is_file(), name
    accounts = pd.read_csv(sample_scan / "accounts.csv", dtype=str, keep_default_na=False)
    assert list(accounts.columns[:6]) == ["account_id", "handle", "score", "flagged",
                                          "cluster_id", "reasons"]
    clusters = pd.read_csv(sample_scan / "clusters.csv", dtype=str, keep_default_na=False)
    assert list(clusters.columns[:6]) == ["cluster_id", "size", "score", "flagged", "members",
                                          "reasons"]
    edges = pd.read_csv(sample_scan / "edges.csv", dtype=str, keep_default_na=False)
    assert list(edges.columns[:8]) == ["account_a", "account_b", "signal", "weight", "n_events",
                                       "first_seen", "last_seen", "evidence"]
    manifest = json.loads((sample_scan / "manifest.json").read_text())
    assert manifest["seed"] == 0
    assert manifest["inputs"][0]["sha256"]


def test_scan_summary_on_stdout_progress_on_stderr(tmp_path: Path, small_scan: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["scan", str(small_scan.parent / "export.csv"), "-o",
                                  str(tmp_path / "o"),
                                  "--no-html", "--graph", "none"])
    assert result.exit_code == 0, result.output
    assert "cluster" in result.stdout.lower()
    assert "[astroturf]" in result.stderr
    assert "[astroturf]" not in result.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses a Linux pseudo-terminal")
def test_progress_bar_on_a_terminal_that_reports_no_size() -> None:
    """On a terminal stderr the stages are a bar (no plain lines), drawn even when the
    terminal reports 0 x 0 (as some CI and `script` pseudo-terminals do)."""
    import os
    import pty

    code = ("from astroturf.cli import StageProgress as S; p = S(quiet=False); p.set_total(3); "
            "p('encode posts ...'); p('signal co_text ...'); p.close()")
    pid, fd = pty.fork()
    if pid == 0:  # the child: stderr is the pseudo-terminal, whose size is 0 x 0
        os.execv(sys.executable, [sys.executable, "-c", code])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "signal co_text" in text and "/3" in text and "[astroturf]" not in text


def test_scan_is_deterministic(tmp_path: Path, small_scan: Path) -> None:
    out = tmp_path / "again"
    result = CliRunner().invoke(main, ["scan", str(small_scan.parent / "export.csv"), "-o",
                                       str(out), "-q"])
    assert result.exit_code == 0, result.output
    for name in ("accounts.csv", "clusters.csv", "edges.csv", "evidence.csv", "manifest.json",
                 "graph.gexf", "report.html"):
        assert (out / name).read_bytes() == (small_scan / name).read_bytes(), name


def test_scan_row_order_does_not_matter(tmp_path: Path, small_scan: Path) -> None:
    shuffled = tmp_path / "shuffled.csv"
    df = pd.read_csv(small_scan.parent / "export.csv", dtype=str, keep_default_na=False)
    df.sample(frac=1.0, random_state=3).to_csv(shuffled, index=False)
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["scan", str(shuffled), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    for name in ("accounts.csv", "clusters.csv", "edges.csv"):
        assert (out / name).read_bytes() == (small_scan / name).read_bytes(), name


def test_fail_on_flagged_exit_code(tmp_path: Path, small_scan: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(small_scan.parent / "export.csv"), "-o",
                                       str(tmp_path / "o"), "-q", "--fail-on-flagged",
                                       "--no-html"])
    assert result.exit_code == EXIT_FLAGGED


def test_missing_account_id_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text("tweetid,usrid,tweet_time,tweet_text\n1,a,2020-01-01 10:00,hi\n")
    result = CliRunner().invoke(main, ["scan", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "export.csv" in result.stderr
    assert "account id" in result.stderr
    assert "--map" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("content,needle", [
    ("", "export.csv"),
    ("account_id,created_at,text\n", "export.csv"),
    ("account_id,created_at,text\na,not a time,x\nb,also bad,y\n", "created_at"),
])
def test_bad_inputs_exit_2(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text(content)
    result = CliRunner().invoke(main, ["scan", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name,needle", [("export.parquet", "not a Parquet file"),
                                          ("export.csv", "not a table")])
def test_binary_garbage_is_one_clear_line(tmp_path: Path, name: str, needle: str) -> None:
    """Random bytes are not read as a CSV whose garbage header then fails column detection."""
    import numpy as np

    bad = tmp_path / name
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes())
    result = CliRunner().invoke(main, ["scan", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and name in errors[0] and needle in errors[0]
    assert "Columns found" not in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_missing_file_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "nope.csv"), "-o",
                                       str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "nope.csv" in result.stderr


def test_bad_map_and_bad_option_exit_2(tmp_path: Path, sample_path: Path) -> None:
    runner = CliRunner()
    r1 = runner.invoke(main, ["scan", str(sample_path), "--map", "account_id"])
    assert r1.exit_code == 2 and "FIELD=COLUMN" in r1.stderr
    r2 = runner.invoke(main, ["scan", str(sample_path), "--fdr", "2"])
    assert r2.exit_code == 2 and "fdr" in r2.stderr
    r3 = runner.invoke(main, ["scan", str(sample_path), "--signals", "co_nothing"])
    assert r3.exit_code == 2 and "co_nothing" in r3.stderr
    r4 = runner.invoke(main, ["scan", str(sample_path), "-o", str(tmp_path / "o")],
                       env={"ASTROTURF_THREADS": "two"})
    assert r4.exit_code == 2 and "ASTROTURF_THREADS" in r4.stderr
    assert "Traceback" not in r4.stderr and not (tmp_path / "o").exists()


def test_never_writes_over_an_input(tmp_path: Path, small_scan: Path) -> None:
    outdir = tmp_path / "o"
    outdir.mkdir()
    victim = outdir / "accounts.csv"
    shutil.copy(small_scan.parent / "export.csv", victim)
    before = victim.read_bytes()
    result = CliRunner().invoke(main, ["scan", str(victim), "-o", str(outdir), "-q"])
    assert result.exit_code == 2
    assert victim.read_bytes() == before


def test_simulate_then_scan_then_evaluate(tmp_path: Path) -> None:
    runner = CliRunner()
    sim = runner.invoke(main, ["simulate", "-o", str(tmp_path / "sim"), "--accounts", "600",
                               "--posts", "6000", "--groups", "3", "--seed", "5"])
    assert sim.exit_code == 0, sim.output
    export = next(p for p in (tmp_path / "sim").iterdir() if p.name.startswith("export"))
    out = tmp_path / "out"
    scan = runner.invoke(main, ["scan", str(export), "-o", str(out), "-q", "--no-html"])
    assert scan.exit_code == 0, scan.output
    ev = runner.invoke(main, ["evaluate", str(out), "--labels",
                              str(tmp_path / "sim" / "labels.csv"), "--json"])
    assert ev.exit_code == 0, ev.output
    figures = json.loads(ev.stdout)
    assert figures["auc"] > 0.8


def test_formats_and_inspect(sample_path: Path) -> None:
    runner = CliRunner()
    fm = runner.invoke(main, ["formats"])
    assert fm.exit_code == 0
    for name in ("csv", "jsonl", "parquet", "ioarchive", "twarc2", "telegram", "reddit"):
        assert name in fm.stdout
    ins = runner.invoke(main, ["inspect", str(sample_path)])
    assert ins.exit_code == 0, ins.output
    assert "account_id" in ins.stdout
