"""The once-per-scan integer encoding of a Dataset, shared by every signal and every null copy.

Why: a scan asks the same questions of the posts many times (which text, which key, which
account, when), and the calibration asks them again on K randomised copies. Text is normalised
and hashed once, accounts become integer codes once (codes index the sorted account ids, so
code order is id order), posts are put in one canonical order once (account, time, post id),
and the expensive text similarity (MinHash/LSH) is computed at most once, on demand.

Post arrays are aligned with that canonical order; ``row`` maps back to ``Dataset.posts``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.io.strings import to_arrow_strings
from astroturf.kernels.minhash import mix64
from astroturf.kernels.neardup import NearDupParams
from astroturf.kernels.sweep import (
    NAT,
    dense_rank,
    stable_codes,
    time_grid_ns,
    time_ns,
    time_rank,
)
from astroturf.schema import Dataset

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from astroturf.config import ScanParams

log = logging.getLogger("astroturf.scandata")

KIND_CODES = {"post": 0, "repost": 1, "reply": 2, "quote": 3}


@dataclass
class Templates:
    """Template families of the distinct fuzzy texts (see ``signals.templates``).

    family: component id per distinct fuzzy text (-1 when the text is too short);
    boilerplate: per family, True when its texts are a form filled by software (more distinct
    variants than accounts using them); pairs: the verified near-duplicate text pairs.
    """

    family: np.ndarray
    boilerplate: np.ndarray
    pairs: pd.DataFrame

    def of_posts(self, fuzzy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(family, is-boilerplate) of each post from its fuzzy code (-1 / False: none).

        Indexes only posts that have a text, so a scan without any (all reposts, all short
        texts) gets empty families instead of an out-of-bounds index.
        """
        fam = np.full(len(fuzzy), -1, np.int64)
        has = fuzzy >= 0
        fam[has] = self.family[fuzzy[has]]
        boiler = np.zeros(len(fuzzy), dtype=bool)
        ok = fam >= 0
        boiler[ok] = self.boilerplate[fam[ok]]
        return fam, boiler


# posts columns the signals read (clients, rhythm, account features); the rest is encoded
WORKER_POST_COLUMNS = ("account_id", "created_at", "kind", "client")


_TEMPLATES_LOCK = threading.Lock()  # module-level: ScanData is pickled for Dask workers


@dataclass
class ScanData:
    """Integer-coded posts and accounts of one scan (see the module docstring)."""

    ids: np.ndarray  # sorted unique account ids (object)
    acc: np.ndarray  # account code per post, canonical order
    t: np.ndarray  # int64 ns
    kind: np.ndarray  # int8, KIND_CODES
    row: np.ndarray  # row in dataset.posts
    post_id: pa.Array  # large_string, canonical order (arrow: a tenth of Python strings)
    text_key: np.ndarray  # exact normalised text code (-1: none or repost)
    fuzzy: np.ndarray  # fuzzy text code (-1: none, repost, or shorter than min_text_chars)
    fuzzy_texts: pa.LargeStringArray  # distinct fuzzy texts, indexed by fuzzy code
    repost_key: np.ndarray  # repost target code (-1: not a repost)
    reply_key: np.ndarray  # reply target code (-1: not a reply)
    tag_key: np.ndarray  # hashtag-set code (-1: fewer than 2 hashtags, or a repost)
    url_post: np.ndarray  # post position of each (post, normalised URL) item
    url_key: np.ndarray  # URL code of each item
    dataset: Dataset
    neardup: NearDupParams = field(default_factory=NearDupParams)
    _templates: Templates | None = field(default=None, repr=False)
    _t_rank: np.ndarray | None = field(default=None, repr=False)
    _time_grid: int | None = field(default=None, repr=False)
    _hour_counts: csr_matrix | None = field(default=None, repr=False)

    @property
    def n_accounts(self) -> int:
        return len(self.ids)

    @property
    def posts(self) -> pd.DataFrame:
        return self.dataset.posts

    @property
    def accounts(self) -> pd.DataFrame:
        return self.dataset.accounts

    def for_workers(self) -> ScanData:
        """The same scan data with the posts table cut to the columns signals read
        (WORKER_POST_COLUMNS) and without post ids: what the Dask engine ships to every
        worker. Texts, URLs and ids are already encoded, and post ids are only needed when
        evidence is rendered, on the driver; shipping them would only multiply the transfer."""
        posts = self.dataset.posts
        slim = posts[[c for c in WORKER_POST_COLUMNS if c in posts.columns]]
        return replace(self, dataset=replace(self.dataset, posts=slim, meta={}),
                       post_id=pa.array([], type=pa.large_string()))

    @property
    def time_grid(self) -> int:
        """The resolution the post times were recorded at, in ns (``time_grid_ns``; 1:
        continuous), found on first use."""
        if self._time_grid is None:
            self._time_grid = time_grid_ns(self.t)
        return self._time_grid

    @property
    def t_rank(self) -> np.ndarray:
        """``kernels.sweep.time_rank`` of the post times, computed on first use."""
        if self._t_rank is None:
            self._t_rank = time_rank(self.t)
        return self._t_rank

    @property
    def hour_counts(self) -> csr_matrix:
        """Posts per (account code, hour of week), n_accounts x 168 (``signals.rhythm``),
        computed on first use: the rhythm signal and the account features both read it."""
        if self._hour_counts is None:
            from astroturf.signals.rhythm import hour_counts

            self._hour_counts = hour_counts(self.acc, self.t, self.n_accounts)
        return self._hour_counts

    def post_times(self, times: np.ndarray | None = None, ranks: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """(times, their ``time_rank``): the real ones (rank cached) when ``times`` is None,
        else a null copy's, ranked here unless ``ranks`` is given."""
        if times is None:
            return self.t, self.t_rank
        return times, time_rank(times) if ranks is None else ranks

    def codes_of(self, account_ids: pd.Series | np.ndarray) -> np.ndarray:
        """Codes of account ids (-1 for ids not in the scan)."""
        vals = np.asarray(account_ids, dtype=object)
        pos = np.searchsorted(self.ids, vals)
        pos = np.minimum(pos, max(len(self.ids) - 1, 0))
        ok = (len(self.ids) > 0) & (self.ids[pos] == vals) if len(self.ids) else np.zeros(
            len(vals), bool)
        return np.where(ok, pos, -1).astype(np.int64)

    def templates(self) -> Templates:
        """Template families, computed on first use (the MinHash/LSH work happens once; a
        caller arriving while another thread builds them waits for that build)."""
        with _TEMPLATES_LOCK:
            if self._templates is None:
                from astroturf.signals.templates import build_templates

                self._templates = build_templates(self)
            return self._templates


def _account_codes(data: Dataset, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique account ids of posts and accounts, code of the account of each post at
    ``rows``).

    Arrow dictionary encoding of the id column, then a sort of the distinct ids only (UTF-8
    byte order is code-point order, so it is Python's order): no Python string per post.
    """
    parts = [to_arrow_strings(data.posts["account_id"])]
    if "account_id" in data.accounts.columns:
        parts.append(pc.drop_null(to_arrow_strings(data.accounts["account_id"])))
    enc = pc.dictionary_encode(pa.concat_arrays(parts))
    order = pc.sort_indices(enc.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)[: len(parts[0])]
    ids = enc.dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False)
    return np.asarray(ids, dtype=object), rank[codes[rows].astype(np.int64)]


def _canonical_order(acc: np.ndarray, t: np.ndarray, pid: pa.Array) -> np.ndarray:
    """Order by (account, time, post id); post ids are compared (and made Python strings)
    only inside ties."""
    order = np.lexsort((t, acc))
    a, tt = acc[order], t[order]
    tie = np.r_[False, (a[1:] == a[:-1]) & (tt[1:] == tt[:-1])]
    if not tie.any():
        return order
    in_run = tie | np.r_[tie[1:], False]
    pos = np.flatnonzero(in_run)
    run = np.cumsum(~tie[pos])  # run id: a new run starts where the tie flag is off
    tied = pid.take(pa.array(order[pos])).to_numpy(zero_copy_only=False)
    sub = np.lexsort((stable_codes(tied), run))
    order[pos] = order[pos][sub]
    return order


def _dict_codes(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    enc = pc.dictionary_encode(values)
    idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return idx, enc.dictionary


def encode_for_scan(data: Dataset, params: ScanParams) -> ScanData:
    """``encode`` with a scan's settings (the text length floor, the near-duplicate relation
    and its search): the one place they are read, so that whatever encodes for a scan (the
    pipeline, the benchmarks) searches the same way."""
    return encode(data, min_text_chars=params.min_text_chars,
                  neardup=NearDupParams(threshold=params.near_dup_threshold, seed=params.seed,
                                        max_bucket=params.near_dup_bucket,
                                        n_hashes=params.near_dup_hashes))


def encode(data: Dataset, *, min_text_chars: int = 20,
           neardup: NearDupParams | None = None) -> ScanData:
    """The ScanData of a canonical Dataset (posts without account or time are ignored)."""
    posts = data.posts
    t_all = time_ns(posts["created_at"])
    ok = posts["account_id"].notna().to_numpy() & (t_all != NAT)
    rows = np.flatnonzero(ok)
    ids, acc = _account_codes(data, rows)
    t = t_all[rows]
    pid = to_arrow_strings(posts["post_id"], rows)
    order = _canonical_order(acc, t, pid)
    rows, acc, t, pid = rows[order], acc[order], t[order], pid.take(pa.array(order))
    sub = _Columns(posts, rows)
    kind = _kind_codes(sub.get("kind"), len(rows))
    not_repost = kind != 1
    norm_of_post, fz_of_post, fz_dict = _text_codes(sub, min_text_chars)
    text_key = np.where(not_repost, norm_of_post, -1)
    fuzzy, fuzzy_texts = _compact_fuzzy(np.where(not_repost, fz_of_post, -1), fz_dict)
    del fz_of_post, fz_dict
    repost_key, reply_key = _target_keys(sub, kind, norm_of_post)
    tag_key = np.where(not_repost, _hashtag_set_keys(sub), -1)
    url_post, url_key = _url_items(sub, not_repost)
    log.debug("encoded %d posts of %d accounts; %d distinct texts", len(rows), len(ids),
              len(fuzzy_texts))
    return ScanData(ids=ids, acc=acc, t=t, kind=kind, row=rows, post_id=pid, text_key=text_key,
                    fuzzy=fuzzy, fuzzy_texts=fuzzy_texts, repost_key=repost_key,
                    reply_key=reply_key, tag_key=tag_key, url_post=url_post, url_key=url_key,
                    dataset=data, neardup=neardup or NearDupParams())


def _text_codes(sub: _Columns, min_text_chars: int
                ) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """(normalised text code per post, fuzzy text code per post, fuzzy dictionary).

    Distinct raw -> normalised -> fuzzy texts, all in Arrow, each distinct value once; -1 for
    no text (or an empty normalised one), and for fuzzy texts under ``min_text_chars``. Each
    dictionary is dropped as soon as the next one is made (at 10M posts each is ~0.6 GB, and
    holding all five made the encoding's peak).
    """
    from astroturf.signals.normalize import fuzzy_from_normal, normalize_arrow, per_slice

    raw_codes, raw_dict = sub.codes("text")
    if len(raw_dict) == 0:  # no text at all: one empty dictionary entry keeps shapes simple
        raw_dict = pa.array([""], type=pa.large_string())
    norm = per_slice(normalize_arrow, raw_dict)
    del raw_dict
    norm_codes, norm_dict = _dict_codes(norm)
    del norm
    norm_of_post = np.where(raw_codes >= 0, norm_codes[np.maximum(raw_codes, 0)], -1)
    del raw_codes, norm_codes
    norm_len = pc.utf8_length(norm_dict).fill_null(0).to_numpy(zero_copy_only=False)
    norm_of_post = np.where((norm_of_post >= 0) & (norm_len[np.maximum(norm_of_post, 0)] > 0),
                            norm_of_post, -1)
    fz = per_slice(fuzzy_from_normal, norm_dict)
    del norm_dict
    fz_codes, fz_dict = _dict_codes(fz)
    del fz
    fz_len = pc.utf8_length(fz_dict).fill_null(0).to_numpy(zero_copy_only=False)
    fz_of_post = np.where(norm_of_post >= 0, fz_codes[np.maximum(norm_of_post, 0)], -1)
    fz_of_post = np.where((fz_of_post >= 0) & (fz_len[np.maximum(fz_of_post, 0)]
                                               >= min_text_chars), fz_of_post, -1)
    return norm_of_post, fz_of_post, fz_dict


def first_seen_codes(codes: np.ndarray, n_values: int) -> tuple[np.ndarray, np.ndarray]:
    """(``codes`` renumbered 0.. by first appearance, -1 kept; the old code of each new one).

    What dictionary-encoding the values in this order would give: codes depend on the order
    of the rows, never on how the column lay before.
    """
    pos = np.flatnonzero(codes >= 0)
    first = np.full(n_values, len(codes), np.int64)
    np.minimum.at(first, codes[pos], pos)
    used = np.flatnonzero(first < len(codes))
    old = used[np.argsort(first[used], kind="stable")]
    new = np.full(n_values + 1, -1, np.int64)  # the extra slot maps -1 to -1
    new[old] = np.arange(len(old))
    return new[codes], old


def _compact_fuzzy(codes: np.ndarray, dictionary: pa.Array
                   ) -> tuple[np.ndarray, pa.LargeStringArray]:
    """Codes renumbered over the texts actually used (first appearance in canonical order);
    the texts stay in Arrow (a tenth of the memory of Python strings: only the near-duplicate
    check makes strings, of its candidates)."""
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(dictionary)) > 0)
    texts = dictionary.take(pa.array(used)).cast(pa.large_string())
    new = np.full(len(dictionary), -1, np.int64)
    new[used] = np.arange(len(used))
    return np.where(codes >= 0, new[np.maximum(codes, 0)], -1), texts


class _Columns:
    """Lazy view of some posts columns at the canonical rows (no copy of the whole frame)."""

    def __init__(self, posts: pd.DataFrame, rows: np.ndarray) -> None:
        self.posts, self.rows = posts, rows

    def __contains__(self, name: str) -> bool:
        return name in self.posts.columns

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, name: str) -> pa.Array | None:
        return self.arrow(name) if name in self.posts.columns else None

    def codes(self, name: str) -> tuple[np.ndarray, pa.Array]:
        """``_dict_codes`` of the column at the rows, without copying its values into row
        order (a second copy of every text at 10M posts): the column is encoded as it lies
        and the codes renumbered by first appearance at the rows, which is what encoding
        the values in row order gives (dictionary included)."""
        if name not in self.posts.columns:
            return _dict_codes(pa.nulls(len(self.rows), pa.large_string()))
        codes, dictionary = _dict_codes(to_arrow_strings(self.posts[name]))
        codes, old = first_seen_codes(codes[self.rows], len(dictionary))
        return codes, dictionary.take(pa.array(old))

    def arrow(self, name: str) -> pa.Array:
        if name not in self.posts.columns:
            return pa.nulls(len(self.rows), pa.large_string())
        return to_arrow_strings(self.posts[name], self.rows)


def _kind_codes(kind: pa.Array | None, n: int) -> np.ndarray:
    if kind is None:
        return np.zeros(n, np.int8)
    codes, dictionary = _dict_codes(kind)
    lut = np.array([KIND_CODES.get(v, 0) for v in dictionary.to_pylist()] + [0], np.int8)
    return lut[np.where(codes >= 0, codes, len(lut) - 1)]


def _target_keys(sub: _Columns, kind: np.ndarray, norm_of_post: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Repost key (target id, else the reposted text) and reply key (target id)."""
    tcodes, _ = sub.codes("target_post_id")
    n_t = int(tcodes.max()) + 1 if len(tcodes) else 0
    is_rp = kind == 1
    by_text = is_rp & (tcodes < 0) & (norm_of_post >= 0)
    repost = np.where(is_rp & (tcodes >= 0), tcodes, -1)
    repost = np.where(by_text, n_t + norm_of_post, repost)
    reply = np.where((kind == 2) & (tcodes >= 0), tcodes, -1)
    return repost.astype(np.int64), reply.astype(np.int64)


def _split(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(parent row, item) of space-separated items; empty items dropped."""
    lists = pc.split_pattern(arr, " ")
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    items = pc.list_flatten(lists)
    keep = pc.greater(pc.binary_length(items), 0).fill_null(False)
    return parent[keep.to_numpy(zero_copy_only=False)], items.filter(keep)


def _hashtag_set_keys(sub: _Columns, *, min_hashtags: int = 2) -> np.ndarray:
    """Code of each post's set of >= 2 distinct hashtags (order and repeats ignored)."""
    n = len(sub)
    if "hashtags" not in sub or n == 0:
        return np.full(n, -1, np.int64)
    parent, items = _split(sub.arrow("hashtags"))
    if len(parent) == 0:
        return np.full(n, -1, np.int64)
    tag, _ = _dict_codes(pc.utf8_lower(pc.replace_substring(items, "#", "")))
    packed = np.sort(parent * np.int64(int(tag.max()) + 1) + tag)
    packed = packed[np.r_[True, packed[1:] != packed[:-1]]]
    p, tg = packed // (int(tag.max()) + 1), packed % (int(tag.max()) + 1)
    with np.errstate(over="ignore"):
        h = mix64(tg.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15))
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    cnt = np.diff(np.r_[starts, len(p)])
    with np.errstate(over="ignore"):
        set_hash = np.add.reduceat(h, starts)  # order-independent, wraps mod 2**64
    key = np.full(n, -1, np.int64)
    good = cnt >= min_hashtags
    key[p[starts][good]] = dense_rank(set_hash[good].view(np.int64))
    return key


def _url_items(sub: _Columns, not_repost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(post position, URL code) per distinct normalised URL of each non-repost post."""
    from astroturf.signals.normalize import normalize_urls

    e = np.zeros(0, np.int64)
    if "urls" not in sub or len(sub) == 0:
        return e, e
    parent, items = _split(sub.arrow("urls"))
    if len(parent) == 0:
        return e, e
    codes, uniq = _dict_codes(items)
    norm = normalize_urls(uniq)
    ncodes, _ = pd.factorize(norm, use_na_sentinel=True)
    key = ncodes[codes]
    ok = (key >= 0) & not_repost[parent]
    packed = np.sort(parent[ok] * np.int64(max(int(key.max(initial=0)) + 1, 1)) + key[ok])
    packed = packed[np.r_[True, packed[1:] != packed[:-1]]] if len(packed) else packed
    m = np.int64(max(int(key.max(initial=0)) + 1, 1))
    return packed // m, packed % m
