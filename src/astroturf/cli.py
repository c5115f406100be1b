"""Command line: parse, call the library, print. Exit codes are decided here and only here.

Exit codes: 0 success; 1 internal error; 2 bad input or usage; 3 ``--fail-on-flagged`` and at
least one cluster was flagged (for CI gates).
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from astroturf import __version__
from astroturf.errors import AstroturfError, UsageError

EXIT_FLAGGED = 3


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become one clear line and their exit code; tracebacks only with --debug."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return fn(*args, **kwargs)
        except AstroturfError as exc:
            if debug:
                raise
            _fail(exc.render(), exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException):
            raise
        except MemoryError:
            _fail("out of memory; try --signals to run fewer signals or --engine dask", 1)
        except Exception as exc:
            if debug:
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the "
                  "traceback and report it)", 1)
        return None

    return wrapper


def parse_map(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--map FIELD=COLUMN`` items as a mapping (benchmarks reuse it, so a map means the same
    everywhere); a malformed item is a usage error."""
    mapping: dict[str, str] = {}
    for item in values:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UsageError(f"--map expects FIELD=COLUMN, got {item!r}",
                             hint="e.g. --map account_id=userid --map accounts.bio=description")
        mapping[field.strip()] = column.strip()
    return mapping


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="astroturf")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
def main(debug: bool) -> None:
    """Find coordinated fake-advocacy (astroturfing) accounts in exported social-media data."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", "outdir", default="astroturf-out", show_default=True,
              type=click.Path(file_okay=False), help="Output directory.")
@click.option("--accounts", "accounts_files", multiple=True,
              help="Separate file(s) of account profiles (repeatable).")
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Input format (see `astroturf formats`).")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN",
              help="Map a canonical field to a column, e.g. --map account_id=userid.")
@click.option("--window", type=float, help="Co-action window in seconds [60].")
@click.option("--fdr", type=float, help="False discovery rate for flagging clusters [0.05].")
@click.option("--seed", type=int, help="Seed for every random step [0].")
@click.option("--signals", "signal_names", help="Comma-separated signals to run [all].")
@click.option("--engine", type=click.Choice(["pandas", "dask"]), help="Execution engine.")
@click.option("--scheduler", help="Dask scheduler address for --engine dask (default: "
                                  "DASK_SCHEDULER_ADDRESS, else a local cluster).")
@click.option("--null-copies", "null_copies",
              help="Randomised copies for the calibration: a number, 0 (off) or auto [auto].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML file of scan settings (default: ./astroturf.toml if present).")
@click.option("--strict", is_flag=True, help="Fail on malformed rows instead of skipping them.")
@click.option("--table-format", "table_formats", default="csv", show_default=True,
              help="Comma-separated table formats: csv, parquet, json.")
@click.option("--graph", "graph_fmt", default="gexf", show_default=True,
              type=click.Choice(["gexf", "graphml", "both", "none"]), help="Graph file for Gephi.")
@click.option("--html/--no-html", default=True, show_default=True, help="Write report.html.")
@click.option("--top", default=10, show_default=True, help="Clusters shown in the summary.")
@click.option("--focus", "focus_file", type=click.Path(exists=True, dir_okay=False),
              help="File of handles or ids (one a line): shown first in the summary and "
                   "report, each with whether and why it is in a cluster.")
@click.option("--fail-on-flagged", is_flag=True,
              help=f"Exit {EXIT_FLAGGED} when any cluster is flagged (CI gate).")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages on stderr.")
@handle_errors
def scan(inputs: tuple[str, ...], outdir: str, accounts_files: tuple[str, ...], fmt: str,
         maps: tuple[str, ...], window: float | None, fdr: float | None, seed: int | None,
         signal_names: str | None, engine: str | None, scheduler: str | None,
         null_copies: str | None, config_file: str | None, strict: bool,
         table_formats: str, graph_fmt: str, html: bool, top: int, focus_file: str | None,
         fail_on_flagged: bool, quiet: bool) -> None:
    """Scan INPUT files (CSV/TSV, JSON lines, Parquet, platform exports; '-' = stdin).

    An INPUT may also be a directory or a quoted glob ('parts/*.parquet'): its parts are
    read, in sorted order, as one dataset.
    """
    from astroturf.config import load_params
    from astroturf.io import read_dataset
    from astroturf.pipeline import scan as run_scan
    from astroturf.report import write_report
    from astroturf.report.focus import read_focus_file
    from astroturf.report.summary import format_summary

    progress = StageProgress(quiet=quiet)
    params = load_params(config_file=config_file, overrides={
        "window": window, "fdr": fdr, "seed": seed, "signals": signal_names, "engine": engine,
        "null_copies": null_copies, "scheduler": scheduler})
    formats = tuple(f.strip() for f in table_formats.split(",") if f.strip())
    bad = [f for f in formats if f not in ("csv", "parquet", "json")]
    if bad or not formats:
        raise UsageError(f"unknown table format(s): {', '.join(bad) or '(none)'}",
                         hint="use --table-format csv,parquet,json")
    graphs = {"both": ("gexf", "graphml"), "none": ()}.get(graph_fmt, (graph_fmt,))
    focus = _read_focus(focus_file, read_focus_file) if focus_file else []
    progress(f"reading {', '.join(inputs)}")
    data = read_dataset(list(inputs), format=fmt, mapping=parse_map(maps),
                        accounts=list(accounts_files), strict=strict)
    progress(f"{len(data.posts):,} posts from {len(data.accounts):,} accounts")
    result = run_scan(data, params, progress=progress)
    progress.close()
    result.manifest["parameters"] = params.public_dict()
    result.manifest["dataset"] = data.meta
    # directories and globs stand for their part files: those are the inputs to describe
    sources = [*(m["path"] for m in data.meta["inputs"]), *accounts_files]
    written = write_report(result, outdir, inputs=sources, formats=formats, graph=graphs,
                           html=html, params=params.public_dict(), focus=focus)
    click.echo(format_summary(result, top=top, outdir=str(outdir), focus=focus))
    progress(f"wrote {len(written)} files to {outdir}")
    n_flagged = result.manifest.get("counts", {}).get("clusters_flagged", 0)
    if fail_on_flagged and n_flagged:
        sys.exit(EXIT_FLAGGED)


class StageProgress:
    """Progress on stderr: a bar with the stage and an ETA when stderr is a terminal, one plain
    line per stage when it is piped, nothing with -q. The pipeline announces its stage count
    with ``set_total``."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet, self.tty, self.bar = quiet, sys.stderr.isatty(), None

    def set_total(self, n: int) -> None:
        if self.quiet or not self.tty:
            return
        from tqdm import tqdm

        # a terminal that reports no size (some CI and `script` ptys) made tqdm draw
        # nothing at all: 100 x 20 then
        try:
            cols, rows = os.get_terminal_size(sys.stderr.fileno())
        except (OSError, ValueError):
            cols, rows = 0, 0
        self.bar = tqdm(total=n, file=sys.stderr, unit="stage", leave=False,
                        ncols=cols or 100, nrows=rows or 20,
                        bar_format="{desc:<40.40} {bar} {n_fmt}/{total_fmt} "
                                   "[{elapsed}<{remaining}]")

    def __call__(self, msg: str) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.set_description_str(msg.removesuffix(" ..."))
            self.bar.update(1)
        else:
            click.echo(f"[astroturf] {msg}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _read_focus(path: str, parse: Callable[[str], list[str]]) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            names = parse(fh.read())
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the --focus file: {exc}", source=path,
                         hint="give a UTF-8 text file with one handle or id per line") from None
    if not names:
        raise UsageError("the --focus file names no account", source=path,
                         hint="one handle, @handle or account id per line")
    return names


@main.command()
@click.argument("outdir", type=click.Path(file_okay=False))
@click.argument("accounts", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.option("--partners", "max_partners", default=5, show_default=True,
              help="Strongest partners shown per account.")
@click.option("--evidence", "max_evidence", default=6, show_default=True,
              help="Evidence rows shown per account.")
@handle_errors
def explain(outdir: str, accounts: tuple[str, ...], as_json: bool, max_partners: int,
            max_evidence: int) -> None:
    """Explain ACCOUNTS (handle, @handle or id) from the finished scan in OUTDIR: flagged or
    not, cluster, score, strongest partners and the quotable evidence."""
    import json

    from astroturf.explain import explain_accounts, format_explanation, load_scan

    items = explain_accounts(load_scan(outdir), list(accounts), max_partners=max_partners,
                             max_evidence=max_evidence)
    if as_json:
        click.echo(json.dumps(items, indent=2, ensure_ascii=False, default=str))
        return
    click.echo("\n".join(format_explanation(i) for i in items), nl=False)


@main.command()
@click.option("-o", "--out", "outdir", required=True, type=click.Path(file_okay=False),
              help="Directory for export + labels.")
@click.option("--accounts", "n_accounts", default=2000, show_default=True)
@click.option("--posts", "n_posts", default=20000, show_default=True)
@click.option("--groups", "n_groups", default=6, show_default=True, help="Planted campaigns.")
@click.option("--days", default=30, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--format", "fmt", default="csv", show_default=True,
              type=click.Choice(["csv", "csv.gz", "jsonl", "parquet"]))
@click.option("--shuffle-times", is_flag=True,
              help="Destroy coordination: permute each account's timestamps (calibration null).")
@handle_errors
def simulate(outdir: str, n_accounts: int, n_posts: int, n_groups: int, days: int, seed: int,
             fmt: str, shuffle_times: bool) -> None:
    """Write a synthetic export with planted campaigns and a labels file."""
    from astroturf import simulate as sim

    result = sim.simulate(n_accounts=n_accounts, n_posts=n_posts, n_groups=n_groups, days=days,
                          seed=seed)
    if shuffle_times:
        result.posts = sim.shuffle_times(result.posts, seed=seed)
    for path in sim.write_export(result, outdir, fmt=fmt):
        click.echo(str(path))


@main.command()
@click.argument("outdir", type=click.Path(exists=True, file_okay=False))
@click.option("--labels", "labels_path", required=True, type=click.Path(dir_okay=False),
              help="CSV with account_id,label[,group].")
@click.option("--group-column", help="Column of ground-truth groups (for adjusted Rand index).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@handle_errors
def evaluate(outdir: str, labels_path: str, group_column: str | None, as_json: bool) -> None:
    """Score a scan's OUTDIR against labelled accounts (AUC, precision, recall, ARI)."""
    import json

    from astroturf.evaluate import evaluate_outdir, format_evaluation

    result = evaluate_outdir(outdir, labels_path, group_column=group_column)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True, default=str))
    else:
        click.echo(format_evaluation(result))


@main.command()
@handle_errors
def formats() -> None:
    """List the input formats with their required and optional fields."""
    from astroturf.io.inspect import describe_formats

    table = describe_formats()
    for row in table.itertuples(index=False):
        click.echo(f"{row.name:<12} {row.description}")
        click.echo(f"{'':<12}   required: {row.required}")
        click.echo(f"{'':<12}   optional: {row.optional}")


@main.command()
@click.argument("path")
@click.option("--format", "fmt", default="auto", show_default=True)
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN")
@click.option("--rows", default=5, show_default=True, help="Parsed rows to preview.")
@handle_errors
def inspect(path: str, fmt: str, maps: tuple[str, ...], rows: int) -> None:
    """Show the detected format, column mapping, missing fields and a few parsed rows."""
    from astroturf.io.inspect import format_inspection, inspect_input

    info = inspect_input(path, format=fmt, mapping=parse_map(maps), n_rows=rows)
    click.echo(format_inspection(info))


if __name__ == "__main__":  # pragma: no cover
    main()
