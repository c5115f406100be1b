"""Reader throughput: rows/s and peak RSS per input format, on generated files of a given size.

Usage:
    PYTHONPATH=src python benchmarks/bench_read.py --rows 1000000
    PYTHONPATH=src python benchmarks/bench_read.py --rows 200000 --formats csv jsonl twarc2

Each input is generated in a temporary directory (neutral, peer-style columns: not our
simulator), then read by ``astroturf.io.read_dataset`` in a fresh child process, so the peak RSS
printed is that of reading alone (``VmHWM`` of the child; interpreter and imports included,
~150 MB; ``ru_maxrss`` would carry the parent's size across the fork). "rows/s" counts
input rows (posts) per wall-clock second of the whole read: sniffing, column roles, parsing,
value guards, text repair, canonical tables. The machine is shared: trust ratios over seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FORMATS = ("csv", "parquet", "parts", "jsonl", "twarc2", "reddit", "bluesky")
WORDS = np.array(["the", "vote", "we", "must", "stop", "now", "people", "is", "a", "news",
                  "great", "new", "today", "city", "support", "never", "again", "our", "real",
                  "truth", "share", "this", "why", "they", "lie", "join", "us", "free",
                  "economy", "jobs", "caf\u00e9", "\u00e9lection", "\U0001f525", "#vote"])
DIRTY = np.array(["&amp;", "I\u00e2\u20ac\u2122ve", "&quot;ok&quot;", "sar\u00c3 "])  # ~1% of posts


def neutral_posts(n: int, *, seed: int = 0) -> pd.DataFrame:
    """Flat posts: heavy-tailed accounts, Zipf word salad of 5-20 tokens, popular retweets/URLs."""
    rng = np.random.default_rng(seed)
    n_acc = max(10, n // 10)
    account = (rng.pareto(1.2, n) * 3).astype(np.int64) % n_acc
    start = np.datetime64("2024-01-01T00:00:00")
    times = start + rng.integers(0, 30 * 86400, n).astype("timedelta64[s]")
    probs = 1.0 / np.arange(1, len(WORDS) + 1) ** 1.1
    probs /= probs.sum()
    n_tok = rng.integers(5, 21, n)
    toks = WORDS[rng.choice(len(WORDS), size=int(n_tok.sum()), p=probs)]
    ends = np.cumsum(n_tok)
    text = np.array([" ".join(toks[e - k:e]) for e, k in zip(ends, n_tok, strict=True)],
                    dtype=object)
    dirty = rng.random(n) < 0.01
    text[dirty] = text[dirty] + " " + DIRTY[rng.integers(0, len(DIRTY), int(dirty.sum()))]
    is_rt = rng.random(n) < 0.3
    rt = np.where(is_rt, (rng.zipf(1.5, n) % 50_000 + 10**17).astype(str), "")
    has_url = rng.random(n) < 0.2
    url = np.where(has_url, np.char.add("https://news.example/", (rng.zipf(1.6, n) % 10_000)
                                        .astype(str)), "")
    return pd.DataFrame({"account_id": np.char.add("u", account.astype(str)),
                         "post_id": (np.arange(n) + 10**18).astype(str),
                         "timestamp": pd.Series(times).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "text": text, "retweet_of": rt, "url": url})


def _jsonl(path: Path, records) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False))
            fh.write("\n")


def write_input(fmt: str, df: pd.DataFrame, outdir: Path) -> Path:
    """The generated posts in ``fmt``: csv, parquet, parts (4 parquet parts), jsonl or a
    platform JSON lines format (twarc2 flattened tweets, reddit comments, bluesky postViews)."""
    rows = df.to_dict("records") if fmt not in ("csv", "parquet", "parts") else None
    if fmt == "csv":
        path = outdir / "posts.csv"
        df.to_csv(path, index=False)
    elif fmt == "parquet":
        path = outdir / "posts.parquet"
        df.to_parquet(path, index=False)
    elif fmt == "parts":
        path = outdir / "parts"
        path.mkdir()
        for i, part in enumerate(np.array_split(np.arange(len(df)), 4)):
            df.iloc[part].to_parquet(path / f"part-{i}.parquet", index=False)
    elif fmt == "jsonl":
        path = outdir / "posts.jsonl"
        _jsonl(path, rows)
    elif fmt == "twarc2":
        path = outdir / "tweets.jsonl"
        _jsonl(path, ({"id": r["post_id"], "author_id": r["account_id"],
                       "created_at": r["timestamp"].replace("Z", ".000Z"), "text": r["text"],
                       "lang": "en", "author": {"id": r["account_id"],
                                                "username": "h" + r["account_id"]},
                       "referenced_tweets": [{"type": "retweeted", "id": r["retweet_of"]}]
                       if r["retweet_of"] else None,
                       "entities": {"urls": [{"expanded_url": r["url"]}]} if r["url"] else {},
                       "__twarc": {"retrieved_at": "2024-02-01T00:00:00+00:00"}}
                      for r in rows))
    elif fmt == "reddit":
        path = outdir / "RC_2024-01.ndjson"
        epoch = (pd.to_datetime(df["timestamp"]) - pd.Timestamp("1970-01-01", tz="UTC")
                 ) // pd.Timedelta("1s")
        _jsonl(path, ({"id": r["post_id"][-10:], "author": r["account_id"],
                       "created_utc": int(t), "body": r["text"], "subreddit": "news",
                       "parent_id": "t3_abc", "link_id": "t3_abc"}
                      for r, t in zip(rows, epoch, strict=True)))
    else:
        path = outdir / "feed.jsonl"
        _jsonl(path, ({"uri": f"at://did:plc:{r['account_id']}/app.bsky.feed.post/{r['post_id']}",
                       "author": {"did": f"did:plc:{r['account_id']}",
                                  "handle": r["account_id"] + ".bsky.social"},
                       "record": {"$type": "app.bsky.feed.post", "text": r["text"],
                                  "createdAt": r["timestamp"]},
                       "indexedAt": r["timestamp"]} for r in rows))
    return path


CHILD = """
import json, sys, time
import pandas, pyarrow.csv, pyarrow.parquet  # imports are not reading
from astroturf.io import read_dataset
t0 = time.perf_counter()
data = read_dataset([sys.argv[1]])
dt = time.perf_counter() - t0
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0]
print(json.dumps({"seconds": dt, "posts": len(data.posts), "rss_mb": int(hwm.split()[1]) / 1024}))
"""


def measure(path: Path) -> dict:
    """Read ``path`` in a fresh interpreter; seconds, posts read and that process's peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                         text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="reads per format; the fastest is printed (the machine is shared)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    df = neutral_posts(args.rows, seed=args.seed)
    print(f"generated {len(df):,} rows in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    print(f"{'format':<10} {'rows':>10} {'size MB':>8} {'seconds':>8} {'rows/s':>10} "
          f"{'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory(prefix="astroturf-bench-read-") as tmp:
        for fmt in args.formats:
            sub = Path(tmp) / fmt
            sub.mkdir()
            path = write_input(fmt, df, sub)
            size = sum(p.stat().st_size for p in ([path] if path.is_file() else path.iterdir()))
            runs = [measure(path) for _ in range(max(1, args.repeat))]
            got = min(runs, key=lambda r: r["seconds"])
            print(f"{fmt:<10} {got['posts']:>10,} {size / 1e6:>8.1f} {got['seconds']:>8.2f} "
                  f"{args.rows / got['seconds']:>10,.0f} {got['rss_mb']:>11.0f}", flush=True)


if __name__ == "__main__":
    main()
