"""A neutral benchmark generator: peer-style CSV nobody here tuned the detector to.

Why: our own simulator shapes data the way the detector expects (profiles, campaigns written by
the same team). This generator writes what the peer tools take as input, with the shapes that
make real data expensive: heavy-tailed activity, Zipf word-salad texts with stock phrases,
popular retweets and URLs, and planted groups that co-post, co-retweet and co-link within
seconds.

Output columns: ``account_id, post_id, timestamp, text, retweet_of, url`` (ISO-8601 UTC) and a
``labels.csv`` (account_id, label, group). ``retweet_of`` is the id of the retweeted post (empty
for originals); retweet rows carry the retweeted text, as platform exports do.

Usage: python benchmarks/neutral.py --posts 1000000 --accounts 100000 --groups 50 -o DIR
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

START = pd.Timestamp("2024-03-01", tz="UTC").value // 10**9
DAYS = 30
STOCK = ["lol so true", "can't wait for the weekend", "this is huge", "so proud of this team",
         "what a game", "good morning everyone", "thank you so much", "i can't believe it",
         "best day ever", "read this thread", "wow just wow", "happy birthday"]


def _vocab(rng: np.random.Generator, n: int) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lens = rng.integers(2, 10, n)
    flat = letters[rng.integers(0, 26, int(lens.sum()))]
    words = pa.compute.binary_join(pa.ListArray.from_arrays(
        pa.array(np.r_[0, np.cumsum(lens)].astype(np.int32)), pa.array(flat)), "")
    return np.asarray(words.to_pylist(), dtype=object)


def _texts(rng: np.random.Generator, n: int, vocab: np.ndarray, *, zipf: float = 1.15
           ) -> pa.Array:
    """Zipf word salads of 5-20 tokens; 8 % carry a stock phrase."""
    lens = rng.integers(5, 21, n)
    ranks = np.minimum(rng.zipf(zipf, int(lens.sum())) - 1, len(vocab) - 1)
    words = pa.array(vocab[ranks])
    lists = pa.ListArray.from_arrays(pa.array(np.r_[0, np.cumsum(lens)].astype(np.int32)), words)
    body = pc.binary_join(lists, " ")
    stock = rng.random(n) < 0.08
    phrase = pa.array(np.array(STOCK, dtype=object)[rng.integers(0, len(STOCK), n)])
    with_stock = pc.binary_join_element_wise(body, phrase, " ")
    return pc.if_else(pa.array(stock), with_stock, body)


def _times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds: uniform days, diurnal hours (peak in the evening UTC)."""
    day = rng.integers(0, DAYS, n)
    hour = (rng.normal(17, 5, n) % 24).astype(np.int64)
    return START + day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)


def generate(*, n_posts: int, n_accounts: int, n_groups: int, group_size: int = 20,
             seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(posts, labels) with ``n_posts`` rows in all, planted groups included."""
    rng = np.random.default_rng(seed)
    vocab = _vocab(rng, 50_000)
    weight = rng.pareto(1.3, n_accounts) + 0.2
    planted = rng.permutation(n_accounts)[: n_groups * group_size].reshape(n_groups, group_size)
    # planted events: 30 per group, 70 % participation, within 30 s of the event time
    ev_group = np.repeat(np.arange(n_groups), 30)
    ev_time = _times(rng, len(ev_group))
    ev_type = rng.integers(0, 3, len(ev_group))  # 0 co-post, 1 co-retweet, 2 co-link
    part = rng.random((len(ev_group), group_size)) < 0.7
    e_idx, m_idx = np.nonzero(part)
    p_acc = planted[ev_group[e_idx], m_idx]
    p_time = ev_time[e_idx] + rng.integers(0, 31, len(e_idx))
    n_org = max(0, n_posts - len(e_idx))
    acc = rng.choice(n_accounts, n_org, p=weight / weight.sum())
    t = _times(rng, n_org)
    is_rt = rng.random(n_org) < 0.3
    n_orig = int((~is_rt).sum())
    # originals: id space 0..n_orig-1; retweets pick Zipf-popular originals
    target = np.full(n_org, -1, np.int64)
    target[is_rt] = np.minimum(rng.zipf(1.6, int(is_rt.sum())) - 1, max(n_orig - 1, 0))
    orig_pos = np.flatnonzero(~is_rt)
    texts = _texts(rng, n_org, vocab)
    url_pool = np.array([f"https://news{i % 97}.example.com/story/{i}" for i in range(20_000)],
                        dtype=object)
    has_url = (~is_rt) & (rng.random(n_org) < 0.2)
    urls = np.full(n_org, None, dtype=object)
    urls[has_url] = url_pool[np.minimum(rng.zipf(1.4, int(has_url.sum())) - 1, 19_999)]
    # campaign content per event
    ev_text = _texts(rng, len(ev_group), vocab)
    ev_target = rng.integers(0, max(n_orig, 1), len(ev_group))
    ev_url = np.array([f"https://push{g}.example.org/item/{i}" for i, g in enumerate(ev_group)],
                      dtype=object)
    typ = ev_type[e_idx]
    post_id = np.arange(n_org + len(e_idx))
    rows = pd.DataFrame({
        "account_id": np.r_[acc, p_acc], "t": np.r_[t, p_time],
        "retweet_of": np.r_[np.where(is_rt, orig_pos[np.maximum(target, 0)] if n_orig else -1,
                                     -1), np.where(typ == 1, orig_pos[ev_target[e_idx]]
                                                   if n_orig else -1, -1)],
    })
    text_all = pa.concat_arrays([texts.cast(pa.string()),
                                 ev_text.take(pa.array(e_idx)).cast(pa.string())]).to_numpy(
        zero_copy_only=False)
    url_all = np.r_[urls, np.where(typ == 2, ev_url[e_idx], None)]
    rt = rows["retweet_of"].to_numpy()
    text_all = np.where(rt >= 0, text_all[np.maximum(rt, 0)], text_all)
    url_all = np.where(rt >= 0, None, url_all)
    order = np.lexsort((post_id, rows["t"].to_numpy()))
    out = pd.DataFrame({
        "account_id": pd.Series(rows["account_id"].to_numpy()[order]).map("a{:07d}".format),
        "post_id": pd.Series(post_id[order]).map("p{:09d}".format),
        "timestamp": pd.to_datetime(rows["t"].to_numpy()[order], unit="s", utc=True).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "text": text_all[order],
        "retweet_of": pd.Series(rt[order]).map(lambda x: "" if x < 0 else f"p{x:09d}"),
        "url": url_all[order],
    })
    group = np.full(n_accounts, "", dtype=object)
    for g in range(n_groups):
        group[planted[g]] = f"G{g + 1:03d}"
    seen = np.unique(rows["account_id"].to_numpy())
    labels = pd.DataFrame({"account_id": pd.Series(seen).map("a{:07d}".format),
                           "label": np.where(group[seen] != "", "coordinated", "genuine"),
                           "group": group[seen]})
    return out, labels


def write(posts: pd.DataFrame, labels: pd.DataFrame, outdir: Path) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "neutral.csv"
    pacsv.write_csv(pa.Table.from_pandas(posts, preserve_index=False), path)
    labels.to_csv(outdir / "labels.csv", index=False)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--out", default="benchmarks/out/neutral")
    args = ap.parse_args()
    t0 = time.perf_counter()
    posts, labels = generate(n_posts=args.posts, n_accounts=args.accounts, n_groups=args.groups,
                             seed=args.seed)
    path = write(posts, labels, Path(args.out))
    print(f"{len(posts):,} posts, {labels['account_id'].nunique():,} accounts -> {path} "
          f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
