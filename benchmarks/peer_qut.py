"""The QUT coordination network toolkit on the same export, for side-by-side timings.

Usage:
    python benchmarks/peer_qut.py prepare EXPORT QUT_CSV   # neutral.py CSV -> the peer's input
    python benchmarks/peer_qut.py run PEER_BIN QUT_CSV DB  # ingest + 3 detectors

Why: issue 11 asks for the scan against the peer's three exact-key detectors (co_tweet,
co_retweet, co_link; 60 s window) on the same file. The peer lives in its own venv
(``pip install coordination_network_toolkit==1.5.2``) and takes a positional CSV
(message_id, user_id, username, repost_id, reply_id, message, timestamp as epoch seconds,
urls); ``prepare`` writes
it once (not timed: it is the peer's input format, as our export is ours). ``run`` removes the
database, then times ingest and each detector and prints the edges each found. For farm-bench:

    farm-bench -n 3 --timeout 3600 \
        --vs "python benchmarks/peer_qut.py run PEER_BIN QUT_CSV DB" \
        -- astroturf scan EXPORT -o OUT -q --map posts.repost_target=retweet_of
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

DETECTORS = ("co_tweet", "co_retweet", "co_link")


def prepare(export: str, out: str) -> None:
    df = pd.read_csv(export, dtype=str, keep_default_na=False)
    epoch = pd.Timestamp(0, tz="UTC")  # unit-free: pandas may parse to s, ms, us or ns
    ts = (pd.to_datetime(df["timestamp"], utc=True) - epoch) // pd.Timedelta(seconds=1)
    pd.DataFrame({"message_id": df["post_id"], "user_id": df["account_id"],
                  "username": df["account_id"], "repost_id": df["retweet_of"], "reply_id": "",
                  "message": df["text"], "timestamp": ts,
                  "urls": df["url"]}).to_csv(out, index=False, quoting=csv.QUOTE_MINIMAL)
    print(f"{len(df):,} rows -> {out}")


def _peer(cmd: list[str]) -> None:
    """One peer step; a failure is one line with the peer's last words, not a traceback."""
    try:
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise SystemExit(f"cannot run {cmd[0]}: {exc} (install the peer: see the docstring)"
                         ) from None
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"{' '.join(cmd[2:4])} failed (exit {done.returncode}): {last}")


def run(peer_bin: str, qut_csv: str, db: str) -> None:
    Path(db).unlink(missing_ok=True)
    tool = str(Path(peer_bin) / "compute_networks")
    t0 = time.perf_counter()
    _peer([tool, db, "preprocess", "--format", "csv", qut_csv])
    line = [f"ingest {time.perf_counter() - t0:.1f} s"]
    for det in DETECTORS:
        t = time.perf_counter()
        _peer([tool, db, "compute", det, "--time_window", "60"])
        with sqlite3.connect(db) as con:
            n = con.execute(f"select count(*) from {det}_network").fetchone()[0]
        line.append(f"{det} {time.perf_counter() - t:.1f} s ({n:,} edges)")
    print(f"QUT toolkit: {', '.join(line)}; total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)
