"""Writing a scan's outputs: ``write_report`` puts everything into one directory.

The result tables (CSV formula-safe, Parquet, JSON Lines), the evidence table, Gephi graph
files, a self-contained HTML report and, last, ``manifest.json`` (inputs with SHA-256,
parameters, seed, counts and the SHA-256 of every other output). Each file is written
atomically; an output never overwrites an input.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from astroturf.errors import OutputError, UsageError
from astroturf.kernels.threads import side_jobs
from astroturf.report.atomic import atomic_write_text, check_not_input
from astroturf.report.graphfile import GRAPH_FORMATS, write_graph
from astroturf.report.html import render_html
from astroturf.report.manifest import build_manifest, describe_outputs, manifest_json
from astroturf.report.tables import table_paths, write_tables
from astroturf.schema import ScanResult

log = logging.getLogger("astroturf.report")

MANIFEST_NAME = "manifest.json"
HTML_NAME = "report.html"
GRAPH_STEM = "graph"


def _graph_formats(graph: Sequence[str]) -> list[str]:
    unknown = sorted(set(graph) - set(GRAPH_FORMATS))
    if unknown:
        raise UsageError(f"unknown graph format(s): {', '.join(unknown)}",
                         hint=f"choose from {', '.join(GRAPH_FORMATS)}")
    return [g for g in GRAPH_FORMATS if g in graph]


def _prepare_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise OutputError("the output path exists and is not a directory", source=str(outdir),
                          hint="pass a directory for --out (it is created if missing)")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output directory: {exc.strerror}",
                          source=str(outdir), hint="choose a writable location for --out") from None


def planned_paths(result: ScanResult, outdir: Path, *, formats: Sequence[str] = ("csv",),
                  graph: Sequence[str] = ("gexf",), html: bool = True) -> list[Path]:
    """Every file ``write_report`` would write, manifest last (validates the format names)."""
    paths = table_paths(result, outdir, formats=tuple(formats))
    paths += [outdir / f"{GRAPH_STEM}{GRAPH_FORMATS[g]}" for g in _graph_formats(graph)]
    if html:
        paths.append(outdir / HTML_NAME)
    return [*paths, outdir / MANIFEST_NAME]


def complete_manifest(result: ScanResult, *, inputs: list[str],
                      params: dict | None = None) -> dict:
    """``result.manifest`` completed by ``build_manifest``: inputs hashed (unless already
    described), parameters and seed, signals, counts and dataset meta; other keys kept."""
    m = dict(result.manifest or {})
    params = dict(params if params is not None else m.get("parameters") or {})
    described = m.get("inputs") if m.get("inputs") else None
    built = build_manifest(
        params=params, inputs=[] if described else [{"path": str(p)} for p in inputs],
        dataset_meta=m.get("dataset") or {}, signals=result.signals or {},
        counts=m.get("counts") or {}, seed=params.get("seed", m.get("seed", 0)))
    if described:
        built["inputs"] = described
    return {**m, **built}


def write_report(result: ScanResult, outdir: str | os.PathLike[str], *, inputs: list[str],
                 formats: Sequence[str] = ("csv",), graph: Sequence[str] = ("gexf",),
                 html: bool = True, params: dict | None = None,
                 focus: Sequence[str] = ()) -> list[Path]:
    """Write every output of a scan into ``outdir``; returns the written paths, sorted.

    Creates ``outdir`` (parents too), refuses any output that would overwrite one of
    ``inputs`` before writing anything, completes ``result.manifest`` (``complete_manifest``:
    input names, sizes and SHA-256, ``params``, seed, signals), writes each file atomically,
    and writes ``manifest.json`` last with ``outputs`` (name, size, sha256 of every other
    file). Identical results and inputs give byte-identical files. ``focus``: handles or
    ids the report shows first (recorded in the manifest as ``focus``).
    """
    outdir = Path(outdir)
    manifest = complete_manifest(result, inputs=inputs, params=params)
    if focus:
        manifest["focus"] = list(focus)
    result = dataclasses.replace(result, manifest=manifest)
    planned = planned_paths(result, outdir, formats=formats, graph=graph, html=html)
    for path in planned:
        check_not_input(path, inputs)
    _prepare_outdir(outdir)

    def tables_and_graphs() -> list[Path]:
        paths = write_tables(result, outdir, formats=tuple(formats))
        return paths + [write_graph(result, outdir / f"{GRAPH_STEM}{GRAPH_FORMATS[fmt]}",
                                    fmt=fmt) for fmt in _graph_formats(graph)]

    # the tables (Arrow's CSV writer, mostly outside the GIL) are written while the report
    # (Python) is rendered
    with side_jobs() as submit:
        files = submit(tables_and_graphs)
        page = render_html(result, focus=focus) if html else None
        written = files.result()
    if page is not None:
        written.append(atomic_write_text(outdir / HTML_NAME, page))
    manifest = {**(result.manifest or {}), "outputs": describe_outputs(written, outdir)}
    written.append(atomic_write_text(outdir / MANIFEST_NAME, manifest_json(manifest)))
    log.info("wrote %d files to %s", len(written), outdir)
    return sorted(written)

