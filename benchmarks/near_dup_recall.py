"""Near-duplicate search: speed, and recall against an exhaustive reference; print the figures.

Usage:
    python benchmarks/near_dup_recall.py EXPORT [--map K=V ...] [--sample 50000] [--seed 0]

Why: the scan finds near-duplicate texts through MinHash-LSH candidates (kernels/neardup.py),
which can miss pairs; this measures how many. The texts are exactly those the scan compares
(``scandata.encode``: normalised, distinct, at least ``min_text_chars`` long). The reference is
every pair of a seeded sample compared with every other by the same relation (rapidfuzz
``fuzz.ratio`` >= threshold and informative-shingle Jaccard >= min_jaccard), computed
exhaustively with ``rapidfuzz.process.cdist`` in row blocks. Pairs the LSH search found but then
dropped by its neighbour cap (each text keeps its ``max_neighbours`` best partners) are counted
apart: the cap is a deliberate bound on hot texts, not a miss of the search.

The uninformative shingles are those of the whole export (``common_slots`` on all its texts),
as in a scan, for both the search and the reference. Families (connected components of the
found pairs) are what the signals use, so the last line says how many reference pairs end in
one family even when the pair itself was not verified (a popular-phrase bucket is searched as
a star, so its members connect through hubs).

The issue's measure searches the sample alone. A scan searches the whole export, where a
popular phrase's LSH bucket is as many times larger as the export is than the sample (so more
of it is searched as a star) and dense families lose more pairs to the neighbour cap: the
recall of the whole-export search on the sample's reference pairs is printed too, and is the
figure that says what a scan finds. Both are split by the size of the pair's component in the
reference graph: a campaign's template is a small family, a popular phrase a large one.

Printed: distinct texts and throughput of the LSH search on the whole export and on the
sample; reference pairs, found pairs, recall, and pairs found that the reference lacks (0 when
the relation is applied the same way); the same recall for the whole-export search; pair and
family recall by reference component size.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from itertools import pairwise

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from astroturf.cli import parse_map
from astroturf.config import load_params
from astroturf.errors import AstroturfError
from astroturf.io import read_dataset
from astroturf.kernels.minhash import common_slots
from astroturf.kernels.neardup import NearDupParams, informative_jaccard, near_duplicate_pairs
from astroturf.kernels.sweep import in_sorted, unique_sorted
from astroturf.scandata import encode_for_scan


def exhaustive(texts: np.ndarray, p: NearDupParams, common: np.ndarray, block: int = 2000
               ) -> set[tuple[int, int]]:
    """Every pair (x < y) of ``texts`` in the near-duplicate relation, by brute force."""
    xs, ys = [], []
    for lo in range(0, len(texts), block):
        m = cdist(texts[lo:lo + block], texts[lo:], scorer=fuzz.ratio,
                  score_cutoff=p.threshold, dtype=np.uint8, workers=-1)
        i, j = np.nonzero(m)
        keep = j > i  # columns start at lo: j > i means y > x
        xs.append(i[keep] + lo)
        ys.append(j[keep] + lo)
    x, y = np.concatenate(xs).astype(np.int64), np.concatenate(ys).astype(np.int64)
    jac = informative_jaccard(texts, x, y, k=p.k, common=common)
    ok = jac >= p.min_jaccard
    return set(zip(x[ok].tolist(), y[ok].tolist(), strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("export")
    ap.add_argument("--map", action="append", default=[], help="column mapping, as for scan")
    ap.add_argument("--sample", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-bucket", type=int, default=None,
                    help="LSH bucket bound (default: the scan's)")
    ap.add_argument("--hashes", type=int, default=None,
                    help="MinHash size; bands = hashes / rows (default: the scan's)")
    args = ap.parse_args()
    # the scan's settings (astroturf.toml, ASTROTURF_NEAR_DUP_*), these flags over them
    try:  # a bad setting or input: the scan's one-line error, no traceback
        params = load_params(overrides={"near_dup_bucket": args.max_bucket,
                                        "near_dup_hashes": args.hashes})
        data = read_dataset([args.export], mapping=parse_map(args.map))
    except AstroturfError as err:
        print(f"Error: {err.render()}", file=sys.stderr)
        raise SystemExit(err.exit_code) from None
    sd = encode_for_scan(data, params)
    texts = sd.fuzzy_texts  # Arrow, as the scan searches them
    p = sd.neardup
    print(f"max_bucket {p.max_bucket}, {p.n_hashes} hashes ({p.n_hashes // p.rows} bands of "
          f"{p.rows})")
    t0 = time.perf_counter()
    whole = near_duplicate_pairs(texts, p)
    dt = time.perf_counter() - t0
    print(f"{args.export}: {len(data.posts):,} posts, {len(texts):,} distinct texts; LSH search "
          f"{dt:.1f} s = {len(texts) / dt:,.0f} texts/s, {len(whole):,} pairs")
    rng = np.random.default_rng(args.seed)
    pick = np.sort(rng.choice(len(texts), min(args.sample, len(texts)), replace=False))
    sample = texts.take(pick).to_numpy(zero_copy_only=False)  # str objects: cdist needs them
    common = common_slots(texts, k=p.k, max_df=p.max_df)  # the whole export's, as in a scan
    t0 = time.perf_counter()
    found_df = near_duplicate_pairs(sample, p, common=common)
    dt = time.perf_counter() - t0
    uncapped = near_duplicate_pairs(sample, replace(p, max_neighbours=len(sample)),
                                    common=common)
    t0 = time.perf_counter()
    ref = exhaustive(sample, p, common)
    dt_ref = time.perf_counter() - t0
    found = set(zip(found_df["x"].tolist(), found_df["y"].tolist(), strict=True))
    found_all = set(zip(uncapped["x"].tolist(), uncapped["y"].tolist(), strict=True))
    capped = len((found_all - found) & ref)
    fam = families(len(sample), found_df)
    linked = sum(1 for x, y in ref if fam[x] == fam[y])
    print(f"sample {len(sample):,} texts: LSH {dt:.2f} s ({len(sample) / dt:,.0f} texts/s), "
          f"exhaustive {dt_ref:.0f} s")
    print(f"reference pairs {len(ref):,}; found {len(found & ref):,} -> recall "
          f"{len(found & ref) / max(len(ref), 1):.4f}; without the neighbour cap "
          f"{len(found_all & ref) / max(len(ref), 1):.4f} ({capped:,} pairs set aside by the "
          f"cap of {p.max_neighbours}); found but not in the reference {len(found - ref):,}")
    print(f"reference pairs whose texts end in the same template family (connected through "
          f"found pairs, which is what the signals use): {linked / max(len(ref), 1):.4f}")
    whole_report(ref, pick, whole, found_df, len(texts))


SIZE_BINS = (2, 3, 11, 51, 301)  # reference component sizes: 2, 3-10, 11-50, 51-300, 301+


def whole_report(ref: set[tuple[int, int]], pick: np.ndarray, whole, found_df,
                 n_texts: int) -> None:
    """Recall of the whole-export search on the sample's reference pairs, and both searches'
    recall by the size of the pair's component in the reference graph."""
    if not ref:
        return
    rx, ry = (np.array(v, dtype=np.int64) for v in zip(*sorted(ref), strict=True))
    at = np.full(n_texts, -1, np.int64)  # whole-export position -> sample position
    at[pick] = np.arange(len(pick))
    wx, wy = at[whole["x"].to_numpy()], at[whole["y"].to_numpy()]
    inside = (wx >= 0) & (wy >= 0)
    wfam = families(n_texts, whole)
    fam = families(len(pick), found_df)
    rows = {"sample search": (pair_hits(rx, ry, found_df["x"].to_numpy(),
                                        found_df["y"].to_numpy(), len(pick)),
                              fam[rx] == fam[ry]),
            "whole-export search": (pair_hits(rx, ry, wx[inside], wy[inside], len(pick)),
                                    wfam[pick[rx]] == wfam[pick[ry]])}
    print(f"whole-export search on the sample's reference pairs: recall "
          f"{rows['whole-export search'][0].mean():.4f}, same template family "
          f"{rows['whole-export search'][1].mean():.4f}")
    comp = families(len(pick), {"x": rx, "y": ry})
    size = np.bincount(comp)[comp[rx]]
    label = np.digitize(size, SIZE_BINS) - 1
    names = [f"{lo}-{hi - 1}" if hi - 1 > lo else f"{lo}"
             for lo, hi in pairwise(SIZE_BINS)] + [f"{SIZE_BINS[-1]}+"]
    print("by reference component size: " + ", ".join(
        f"{names[b]}: {int((label == b).sum()):,} pairs" for b in range(len(names))
        if (label == b).any()))
    for what, (hit, fam_hit) in rows.items():
        print(f"  {what}: pair / family recall " + ", ".join(
            f"{names[b]} {hit[label == b].mean():.3f} / {fam_hit[label == b].mean():.3f}"
            for b in range(len(names)) if (label == b).any()))


def pair_hits(rx: np.ndarray, ry: np.ndarray, fx: np.ndarray, fy: np.ndarray, n: int
              ) -> np.ndarray:
    """For each reference pair (x < y), was it among the found pairs?"""
    found = unique_sorted(np.minimum(fx, fy) * n + np.maximum(fx, fy))
    return in_sorted(rx * n + ry, found)


def families(n: int, pairs) -> np.ndarray:
    """Connected components of the found pairs (the scan's template families)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    x, y = np.asarray(pairs["x"]), np.asarray(pairs["y"])
    g = coo_matrix((np.ones(len(x)), (x, y)), shape=(n, n))
    return connected_components(g, directed=False)[1]


if __name__ == "__main__":
    main()
