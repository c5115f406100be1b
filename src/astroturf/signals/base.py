"""The internal edge table every channel returns, and the one way it becomes schema edges.

Channels work on integer account codes (``ScanData.ids`` index) and keep their evidence as post
positions, not strings: the scan, and each of its null copies, handles millions of edges, but
only the few that are reported ever need text. ``to_schema_edges`` renders those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.kernels.sweep import NAT, lexsort_ints, run_starts, utc_index
from astroturf.schema import EDGE_COLUMNS, EVIDENCE_PAIR_SEP, coerce_edges, empty_edges

# how a channel's p-value is recomputed when one shared key is set aside (stats.cluster_test)
NULL_KINDS = ("binomial", "poisson", "single")


@dataclass
class ChannelEdges:
    """One channel's account pairs.

    ``frame`` columns: a, b (int64 codes, a < b, sorted), n_events (int64), weight, expected,
    p_value (float64), first, last (int64 ns, NAT when untimed); ``null`` says how the p-value
    depends on n_events ('binomial': also ``trials`` and ``p_hit`` columns; 'poisson': from
    ``expected``; 'single': one key, gone when that key is set aside).
    Evidence (post-based channels): ``ev_edge`` (frame row), ``ev_a`` / ``ev_b`` (post positions
    in ScanData order, the first by account a), earliest first, at most max_evidence per edge.
    Key incidence: ``ki_edge`` (frame row), ``ki_key`` (channel-local key code), ``ki_events``.
    Profile channels give ``render(rows) -> evidence texts`` instead of post evidence.
    ``pruned``: edges left out because fusion would drop them (too weak); the channel still
    counts as run when all were.
    """

    signal: str
    frame: pd.DataFrame
    null: str = "single"
    ev_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_a: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_b: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ki_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ki_key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ki_events: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    render: Callable[[np.ndarray], np.ndarray] | None = None
    pruned: int = 0

    def __len__(self) -> int:
        return len(self.frame)


FRAME_COLUMNS = ["a", "b", "n_events", "weight", "expected", "p_value", "first", "last"]


def empty_channel(signal: str, null: str = "single") -> ChannelEdges:
    frame = pd.DataFrame({"a": np.zeros(0, np.int64), "b": np.zeros(0, np.int64),
                          "n_events": np.zeros(0, np.int64), "weight": np.zeros(0),
                          "expected": np.zeros(0), "p_value": np.zeros(0),
                          "first": np.zeros(0, np.int64), "last": np.zeros(0, np.int64)})
    return ChannelEdges(signal=signal, frame=frame, null=null)


def profile_channel(signal: str, a: np.ndarray, b: np.ndarray, *, p_value: np.ndarray,
                    weight: np.ndarray, n_events: np.ndarray | int = 1,
                    expected: np.ndarray | None = None, key: np.ndarray | None = None,
                    extra: dict[str, np.ndarray] | None = None,
                    render: Callable[[pd.DataFrame], np.ndarray] | None = None
                    ) -> ChannelEdges:
    """A ChannelEdges of an untimed (profile) channel, sorted by (a, b), a < b enforced.

    ``extra`` columns are kept in the frame for ``render(frame_rows)``, which builds the
    evidence text of the rows asked for (reported edges only).
    """
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    n = len(lo)
    cols = {"a": lo, "b": hi,
            "n_events": np.broadcast_to(np.asarray(n_events, np.int64), (n,)).copy(),
            "weight": np.asarray(weight, float), "expected": np.asarray(
                p_value if expected is None else expected, float),
            "p_value": np.asarray(p_value, float), "first": np.full(n, NAT, np.int64),
            "last": np.full(n, NAT, np.int64)}
    frame = pd.DataFrame({**cols, **(extra or {})}, copy=False)  # taken in order below
    keep = frame["a"].to_numpy() != frame["b"].to_numpy()
    order = lexsort_ints((frame["b"].to_numpy(), frame["a"].to_numpy()))
    order = order[keep[order]]
    frame = frame.iloc[order].reset_index(drop=True)
    edges = ChannelEdges(signal=signal, frame=frame, null="single")
    if key is not None:
        edges.ki_edge = np.arange(len(frame), dtype=np.int64)
        edges.ki_key = np.asarray(key, np.int64)[order]
        edges.ki_events = np.ones(len(frame), np.int64)
    if render is not None:
        edges.render = lambda rows, f=frame: render(f.iloc[rows])
    return edges


# what fusion reads of a channel's frame (stats.fusion.collect)
NULL_FRAME_COLUMNS = ("a", "b", "n_events", "weight", "expected", "p_value", "first", "last",
                      "trials", "p_hit")


def relabel(edges: ChannelEdges, perm: np.ndarray) -> ChannelEdges:
    """The same channel with account codes mapped through ``perm`` (a permutation null).

    Evidence references, and the columns only reports read (names, families: strings on
    full profiles), are dropped: a null copy is only fused, never reported.
    """
    f = edges.frame
    a, b = perm[f["a"].to_numpy()], perm[f["b"].to_numpy()]
    cols = {"a": np.minimum(a, b), "b": np.maximum(a, b)}
    order = lexsort_ints((cols["b"], cols["a"]))
    frame = pd.DataFrame({c: (cols[c] if c in cols else f[c].to_numpy())[order]
                          for c in NULL_FRAME_COLUMNS if c in f.columns}, copy=False)
    out = ChannelEdges(signal=edges.signal, frame=frame, null=edges.null)
    if len(edges.ki_edge):
        inv = np.empty(len(order), np.int64)
        inv[order] = np.arange(len(order))
        out.ki_edge, out.ki_key, out.ki_events = inv[edges.ki_edge], edges.ki_key, edges.ki_events
    return out


def to_schema_edges(edges: ChannelEdges, rows: np.ndarray, *, ids: np.ndarray,
                    post_ids: pa.Array, max_evidence: int = 20) -> pd.DataFrame:
    """Schema edges (EDGE_COLUMNS, string ids, evidence text) of the given frame rows."""
    rows = np.asarray(rows, np.int64)
    f = edges.frame.iloc[rows]
    if len(f) == 0:
        return empty_edges()
    evidence = np.full(len(rows), None, dtype=object)
    if edges.render is not None:
        evidence[:] = edges.render(rows)
    elif len(edges.ev_edge):
        evidence = _post_evidence(edges, rows, post_ids, max_evidence)
    first, last = f["first"].to_numpy(), f["last"].to_numpy()
    out = pd.DataFrame({
        "account_a": ids[f["a"].to_numpy()], "account_b": ids[f["b"].to_numpy()],
        "signal": edges.signal, "weight": f["weight"].to_numpy(float),
        "n_events": f["n_events"].to_numpy(np.int64),
        "first_seen": utc_index(first), "last_seen": utc_index(last),
        "expected": f["expected"].to_numpy(float), "p_value": f["p_value"].to_numpy(float),
        "evidence": evidence})
    return coerce_edges(out)[EDGE_COLUMNS]


def evidence_positions(edges: ChannelEdges, rows: np.ndarray, max_evidence: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(index into ``rows``, rank, post a, post b) of the first ``max_evidence`` evidence
    items of each requested frame row, by row then in the channel's order."""
    pos = np.full(len(edges.frame), -1, np.int64)
    pos[rows] = np.arange(len(rows))
    take = pos[edges.ev_edge] >= 0
    e = pos[edges.ev_edge[take]]
    a, b = edges.ev_a[take], edges.ev_b[take]
    order = np.argsort(e, kind="stable")
    e, a, b = e[order], a[order], b[order]
    starts = run_starts(e)
    rank = np.arange(len(e)) - np.repeat(starts, np.diff(np.r_[starts, len(e)]))
    keep = rank < max_evidence
    return e[keep], rank[keep], a[keep], b[keep]


def _post_evidence(edges: ChannelEdges, rows: np.ndarray, post_ids: pa.Array,
                   max_evidence: int) -> np.ndarray:
    """'post_a>post_b' items joined by spaces, for the requested frame rows.

    Joined in arrow (one list array, one ``binary_join``): a pandas groupby with a Python
    ``str.join`` per edge cost seconds at 1M posts.
    """
    e, rank, a, b = evidence_positions(edges, rows, max_evidence)
    out = np.full(len(rows), None, dtype=object)
    if len(e) == 0:
        return out
    starts = np.flatnonzero(rank == 0)
    items = pc.binary_join_element_wise(post_ids.take(pa.array(a)), post_ids.take(pa.array(b)),
                                        pa.scalar(EVIDENCE_PAIR_SEP, pa.large_string()))
    lists = pa.LargeListArray.from_arrays(pa.array(np.r_[starts, len(e)], pa.int64()), items)
    joined = pc.binary_join(lists, pa.scalar(" ", pa.large_string()))
    out[e[starts]] = joined.to_numpy(zero_copy_only=False)
    return out


def account_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for ``ids`` (NA -> -1) and the sorted unique ids they index into."""
    codes, uniques = pd.factorize(ids, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def finish_edges(edges: pd.DataFrame | None) -> pd.DataFrame:
    """Canonical dtypes, account_a < account_b enforced, deterministic row order."""
    if edges is None or len(edges) == 0:
        return empty_edges()
    edges = coerce_edges(edges)
    a = edges["account_a"].to_numpy(dtype=object)
    b = edges["account_b"].to_numpy(dtype=object)
    swap = a > b
    if swap.any():
        edges.loc[swap, ["account_a", "account_b"]] = edges.loc[
            swap, ["account_b", "account_a"]].to_numpy()
    edges = edges[edges["account_a"] != edges["account_b"]]
    edges = edges.sort_values(["signal", "account_a", "account_b"], kind="stable")
    return edges[EDGE_COLUMNS].reset_index(drop=True)


def channel_to_schema(edges: ChannelEdges, sd) -> pd.DataFrame:
    """All edges of a channel as schema edges (the public, per-signal functions use this)."""
    out = to_schema_edges(edges, np.arange(len(edges.frame)), ids=sd.ids,
                          post_ids=sd.post_id, max_evidence=10**9)
    return finish_edges(out)
