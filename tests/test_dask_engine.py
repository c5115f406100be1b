"""The Dask engine gives the same scan as the default engine, byte for byte.

Runs a real LocalCluster (two worker processes), so it costs a few seconds; skipped with the
reason when the optional 'distributed' package is not installed (pip install '.[dask]').
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from astroturf.cli import main

pytest.importorskip("distributed", reason="the dask extra is not installed: pip install '.[dask]'")


def _scan(export: Path, out: Path, *extra: str) -> dict[str, bytes]:
    result = CliRunner().invoke(main, ["scan", str(export), "-o", str(out), "-q",
                                       "--null-copies", "3", *extra])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_dask_engine_writes_the_same_outputs(tmp_path: Path, monkeypatch) -> None:
    from astroturf.engines import dask_engine
    from astroturf.simulate import simulate

    split: dict[str, int] = {}  # windowed signal -> key partitions it ran in
    real = dask_engine._windowed_signal

    def recorded(engine, sd, remote, tpl, params, name, parts):
        split[name] = parts
        return real(engine, sd, remote, tpl, params, name, parts)

    monkeypatch.setattr(dask_engine, "_windowed_signal", recorded)

    sim = simulate(n_accounts=400, n_posts=4000, n_groups=6, group_size=(6, 9), seed=11)
    export = tmp_path / "export.csv"
    sim.posts.to_csv(export, index=False)
    local = _scan(export, tmp_path / "pandas")
    dask = _scan(export, tmp_path / "dask", "--engine", "dask")
    assert set(local) == set(dask)
    assert {"co_text", "co_repost", "near_dup_sync"} <= set(split)  # split over both workers
    assert set(split.values()) == {2}
    # the report lists the parameters, the engine among them: the one difference allowed
    engine_row = b'<th>engine</th><td class="mono">%s</td>'
    assert engine_row % b"dask" in dask["report.html"]
    dask["report.html"] = dask["report.html"].replace(engine_row % b"dask", engine_row % b"pandas")
    for name in sorted(set(local) - {"manifest.json"}):
        assert local[name] == dask[name], f"{name} differs between engines"
    m_local, m_dask = (json.loads(x["manifest.json"]) for x in (local, dask))
    assert m_dask["parameters"].pop("engine") == "dask"
    assert m_local["parameters"].pop("engine") in ("pandas", None)
    for m in (m_local, m_dask):
        m.pop("created", None)
        m["outputs"] = [o for o in m["outputs"] if o["name"] != "report.html"]
    assert m_local == m_dask
    assert m_local["counts"]["clusters_flagged"] >= 1  # a scan with findings, not an empty one


def test_unreachable_scheduler_is_a_clear_usage_error(tmp_path: Path, monkeypatch) -> None:
    from astroturf.engines import dask_engine
    from astroturf.simulate import simulate

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 1.0)
    sim = simulate(n_accounts=60, n_posts=300, n_groups=1, group_size=(5, 6), seed=2)
    export = tmp_path / "export.csv"
    sim.posts.to_csv(export, index=False)
    result = CliRunner().invoke(main, ["scan", str(export), "-o", str(tmp_path / "out"), "-q",
                                       "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "Dask scheduler" in result.output and "Traceback" not in result.output
