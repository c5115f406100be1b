"""Text and URL normalisation shared by the co-action and template signals.

Why: two accounts pasting the same talking point rarely produce byte-identical posts. Retweet
prefixes, @targets, tracking parameters and case differ while the message is the same, and the
peers we match (QUT toolkit, CooRTweet) compare texts after exactly this kind of clean-up.

- ``normalize_texts``: lower-case, drop ``RT @x:`` prefixes, URLs (inline and trailing) and
  @mentions, squeeze whitespace. Empty results become NA so they can never be a matching key.
- ``fuzzy_texts``: ``normalize_texts`` plus removal of punctuation/emoji, for near-duplicates.
- ``explode_urls``: one row per (post, normalised URL) using ``ural.normalize_url`` (tracking
  parameters such as ``utm_*``/``fbclid`` stripped, no ``www.``, no fragment, lower-case host).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from ural import normalize_url
from ural.infer_redirection import OBVIOUS_REDIRECTS_RE, REDIRECTION_DOMAINS_RE
from ural.normalize_url import (
    AMP_QUERY_COMBOS,
    IRRELEVANT_QUERY_COMBOS,
    IRRELEVANT_SUBDOMAIN_AMP_RE,
    should_strip_query_item,
)

from astroturf.kernels.threads import spans, thread_map

logger = logging.getLogger("astroturf.signals.normalize")

# RE2 syntax (pyarrow.compute): Unicode-aware classes, no look-around, so no Python fallback.
_SPACE = r"[\s\p{Z}]"
_WORD = r"[\p{L}\p{N}_]"
_RT_PREFIX = rf"^(?:{_SPACE}*rt{_SPACE}+@{_WORD}+:?{_SPACE}*)+"
_URL = r"(?:https?://|www\.)[^\s\p{Z}]+"
_MENTION = rf"(^|[^\p{{L}}\p{{N}}_@])@{_WORD}+"
_NON_WORD = r"[^\p{L}\p{N}\s]+|_"
# whitespace other than the plain space (a match-every-space pattern is 5x slower in RE2)
_ODD_SPACE = (r"[\t\n\r\x0b\x0c\x{85}\x{a0}\x{1680}\x{2000}-\x{200b}\x{2028}\x{2029}"
              r"\x{202f}\x{205f}\x{3000}]+")


def _on_distinct(texts: pd.Series, fn) -> pd.Series:
    """Apply an arrow-array function to the distinct values of ``texts`` only; NA for empty."""
    codes, uniques = pd.factorize(texts.astype("str"))
    arr = fn(pa.array(np.asarray(uniques, dtype=object), type=pa.large_string()))
    done = pd.array(arr, dtype="str")
    done = np.asarray(done.to_numpy(na_value=None), dtype=object)
    out = np.full(len(texts), None, dtype=object)
    ok = codes >= 0
    out[ok] = done[codes[ok]]
    s = pd.Series(out, index=texts.index, dtype="str")
    return s.mask(s.str.len() == 0)


_URL_OR_MENTION = rf"{_URL}|{_MENTION}"


def normalize_arrow(arr: pa.Array) -> pa.Array:
    """``normalize_texts`` on an arrow string array (one value per input value)."""
    s = _strip_rt_prefix(pc.utf8_lower(arr))
    s = pc.replace_substring_regex(s, _URL_OR_MENTION, r"\1 ")
    return _squeeze(s)


def _strip_rt_prefix(s: pa.Array) -> pa.Array:
    """The anchored ``RT @x:`` prefix removed. RE2 finds the texts that have one about 20x
    faster than it replaces in every text, so only those few are rewritten (same result)."""
    has = pc.match_substring_regex(s, _RT_PREFIX)
    n = pc.sum(has).as_py() or 0
    if n == 0:
        return s
    if n > len(s) // 4:  # mostly retweets: rewriting all is cheaper than a filter and a merge
        return pc.replace_substring_regex(s, _RT_PREFIX, "")
    has = has.fill_null(False)
    fixed = pc.replace_substring_regex(s.filter(has), _RT_PREFIX, "")
    return pc.replace_with_mask(s, has, fixed)


def fuzzy_from_normal(arr: pa.Array) -> pa.Array:
    """``fuzzy_texts`` of already normalised texts (punctuation, symbols, emoji removed)."""
    return _squeeze(pc.replace_substring_regex(arr, _NON_WORD, " "))


_normalize_arrow = normalize_arrow


def per_slice(fn: Callable[[pa.Array], pa.Array], arr: pa.Array, *,
              min_slice: int = 100_000) -> pa.Array:
    """``fn(arr)`` for an element-wise ``fn``, on slices of ``arr`` side by side (RE2 and
    Arrow's string kernels release the GIL): one slice per core, joined in order."""
    parts = spans(len(arr), min_size=min_slice)
    if len(parts) <= 1:
        return fn(arr)
    return pa.concat_arrays(thread_map(lambda part: fn(arr[part]), parts))


def _squeeze(s: pa.Array) -> pa.Array:
    s = pc.replace_substring_regex(s, _ODD_SPACE, " ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(s, "  +", " "))


def _fuzzy_arrow(arr: pa.Array) -> pa.Array:
    return fuzzy_from_normal(normalize_arrow(arr))


def normalize_texts(texts: pd.Series) -> pd.Series:
    """Normalised copy of ``texts`` (str dtype, same index); empty or missing -> NA."""
    return _on_distinct(texts, _normalize_arrow)


def fuzzy_texts(texts: pd.Series) -> pd.Series:
    """Normalised text with punctuation, symbols and emoji removed (for near-duplicates)."""
    return _on_distinct(texts, _fuzzy_arrow)


def normalize_url_value(url: str) -> str | None:
    """One URL in canonical form, or None when it is not a usable URL."""
    url = url.strip()
    if not url or "." not in url:
        return None
    try:
        out = normalize_url(url)
    except Exception:  # ural raises assorted errors on malformed URLs
        logger.debug("cannot normalise URL %r; kept lower-cased", url)
        out = url
    out = out.strip().lower() if out else ""
    return out or None


# A URL whose ural.normalize_url is a few string operations: optional http(s) scheme; an
# ASCII host without port, user or punycode; a path of plain segments; a query of plain
# ``key[=value]`` items. ural lower-cases the host, strips the scheme, irrelevant subdomains,
# a trailing slash and tracking items, and sorts the rest. Fragments, percent-escapes, dot
# segments, AMP forms, index pages, redirects (ural's own patterns) and hosts with their own
# query rules (facebook, youtube) all go to ural itself. The rules mirrored are ural 1.6's
# (pinned in pyproject.toml; tests compare both paths).
_ITEM = r"[A-Za-z0-9_.~-]+(?:=[A-Za-z0-9_.~-]*)?"
_PLAIN_URL = (r"^(?i:https?://)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
              rf"(?:/[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*)*/?(?:\?{_ITEM}(?:&{_ITEM})*)?$")
_NOT_PLAIN = (r"(?i)xn--|facebook\.com|youtube\.com"
              r"|\.amp(?:[./?]|$)|/amp(?:[/?]|$)|/(?:index|default)(?:\.[^/?]*)?/?(?:\?|$)"
              rf"|{REDIRECTION_DOMAINS_RE.pattern}|{OBVIOUS_REDIRECTS_RE.pattern}")
_SCHEME = r"^(?i:https?://)"
_IRRELEVANT_SUBDOMAIN = "(?i)" + IRRELEVANT_SUBDOMAIN_AMP_RE.pattern


def _plain_urls(arr: pa.Array) -> pa.Array:
    """``normalize_url_value`` of plain URLs (see ``_PLAIN_URL``), vectorised."""
    s = pc.replace_substring_regex(arr, _SCHEME, "", max_replacements=1)
    host = pc.utf8_lower(pc.replace_substring_regex(s, r"[/?].*$", ""))
    rest = pc.replace_substring_regex(s, r"^[^/?]*", "")
    path = pc.replace_substring_regex(pc.replace_substring_regex(rest, r"\?.*$", ""), "/$", "")
    host = pc.replace_substring_regex(host, _IRRELEVANT_SUBDOMAIN, "")
    host = pc.replace_substring_regex(host, r"^amp-", "", max_replacements=1)
    empty = pa.scalar("", host.type)
    out = pc.binary_join_element_wise(host, path, empty)
    query = _kept_query(pc.replace_substring_regex(rest, r"^[^?]*\??", ""))
    mark = pc.if_else(pc.equal(query, empty), empty, pa.scalar("?", host.type))
    return pc.utf8_lower(pc.binary_join_element_wise(out, mark, query, empty))


def _kept_query(query: pa.Array) -> pa.Array:
    """The query ural keeps of each plain query: tracking items dropped (ural's own
    ``should_strip_query_item``, asked once per distinct key, or per distinct item for the
    keys whose rule reads the value), the rest sorted as ural sorts them, joined by '&'."""
    lists = pc.split_pattern(query, "&")
    items = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    keep = pc.not_equal(items, "")
    items, parent = items.filter(keep), parent[_bools(keep)]
    key = pc.replace_substring_regex(items, "=.*$", "", max_replacements=1)
    has_value = pc.match_substring(items, "=")
    value = pc.replace_substring_regex(items, "^[^=]*=?", "", max_replacements=1)
    lower = pc.utf8_lower(key)
    codes, distinct = _dict_of(lower)
    strip = np.array([should_strip_query_item((k, None)) for k in distinct], bool)[codes]
    by_value = set(IRRELEVANT_QUERY_COMBOS) | set(AMP_QUERY_COMBOS)
    at = np.flatnonzero(np.isin(np.asarray(distinct, dtype=object), list(by_value))[codes])
    if len(at):  # these keys' rules read the value: ask per distinct (key, value) item
        t = lower.type  # '=' marks an item with a value
        flag = pc.if_else(has_value.take(at), pa.scalar("=", t), pa.scalar("", t))
        flagged = pc.binary_join_element_wise(flag, value.take(at), pa.scalar("", t))
        icodes, asked = _dict_of(pc.binary_join_element_wise(
            lower.take(at), flagged, pa.scalar("\x00", t)))
        ruled = [should_strip_query_item((k, v[1:] if v[:1] == "=" else None))
                 for k, _, v in (a.partition("\x00") for a in asked)]
        strip[at] = np.array(ruled, bool)[icodes]
    kept = ~strip
    table = pa.table({"p": parent[kept], "k": key.filter(pa.array(kept)),
                      "v": value.filter(pa.array(kept)), "f": has_value.filter(pa.array(kept)),
                      "item": items.filter(pa.array(kept))})
    # ural's qsl_sort_key: (key, value or "", has a value); code point order
    table = table.take(pc.sort_indices(table, [("p", "ascending"), ("k", "ascending"),
                                               ("v", "ascending"), ("f", "ascending")]))
    counts = np.bincount(table["p"].to_numpy(), minlength=len(query))
    offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int64))
    joined = pa.LargeListArray.from_arrays(offsets, table["item"].combine_chunks())
    return pc.binary_join(joined, pa.scalar("&", pa.large_string())).cast(query.type)


def _bools(mask: pa.Array) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _dict_of(arr: pa.Array) -> tuple[np.ndarray, list[str]]:
    """(code of each value, the distinct values as Python strings)."""
    enc = pc.dictionary_encode(arr)
    return enc.indices.to_numpy(zero_copy_only=False), enc.dictionary.to_pylist()


def normalize_urls(values: pa.Array | list[str]) -> np.ndarray:
    """``normalize_url_value`` of every value (object array, None where unusable).

    Why: ural's parser costs ~30 µs a URL in Python, and exports hold millions of distinct
    URLs. Most are plain (scheme, host, path), where its rules reduce to a few string
    operations; those run vectorised and only the rest go through ural, so the results are
    ural's either way (tests compare both on generated and edge-case URLs).
    """
    arr = pa.array(values, type=pa.large_string()) if not isinstance(values, pa.Array) \
        else values.cast(pa.large_string())
    out = np.full(len(arr), None, dtype=object)
    if len(arr) == 0:
        return out
    plain = pc.and_kleene(pc.match_substring_regex(arr, _PLAIN_URL),
                          pc.invert(pc.match_substring_regex(arr, _NOT_PLAIN)))
    plain = _bools(plain)
    idx = np.flatnonzero(plain)
    if len(idx):
        fast = _plain_urls(arr.take(pa.array(idx))).to_numpy(zero_copy_only=False)
        out[idx] = np.where(fast == "", None, fast)
    rest = np.flatnonzero(~plain)
    if len(rest):
        slow = arr.take(pa.array(rest)).to_pylist()
        out[rest] = [None if u is None else normalize_url_value(u) for u in slow]
    return out


def explode_urls(urls: pd.Series) -> pd.DataFrame:
    """One row per (row position, distinct normalised URL) of a space-separated URL column.

    Columns out: ``row`` (int64 position in ``urls``), ``url`` (str). Empty cells give no row.
    Each distinct raw URL is normalised once, so the Python call count is bounded by the
    number of distinct URLs, not of posts.
    """
    s = urls.astype("str").reset_index(drop=True)
    s = s[s.notna() & (s.str.strip().str.len() > 0)]
    if len(s) == 0:
        return pd.DataFrame({"row": np.array([], dtype=np.int64),
                             "url": pd.Series([], dtype="str")})
    parts = s.str.split().explode().dropna()
    codes, uniques = pd.factorize(parts)
    mapped = normalize_urls(list(uniques))
    out = pd.DataFrame({"row": parts.index.to_numpy(dtype=np.int64),
                        "url": pd.Series(mapped[codes], dtype="str")})
    out = out[out["url"].notna()].drop_duplicates()
    return out.reset_index(drop=True)
