"""What a column's values look like: ids, handles, times, URLs, numbers, flags, free text.

Column roles are decided by name (``io.roles``) and confirmed here on a sample of the values,
so that a column named ``date`` holding 'yesterday' is not taken as the post time and a 0/1
``retweet`` flag is not taken as the id of a reposted post. Every check is vectorised and
returns the share of the non-empty values that fit (None when there is no value to look at).
"""

from __future__ import annotations

import pandas as pd

# role key -> the kind of value it must hold
ID_ROLES = ("posts.account_id", "accounts.account_id", "posts.post_id", "posts.target_post_id",
            "posts.target_account_id", "posts.repost_target", "posts.repost_target_account",
            "posts.reply_target", "posts.reply_target_account", "posts.quote_target")
VALUE_KIND = {**dict.fromkeys(ID_ROLES, "id"),
              "posts.created_at": "time", "accounts.created_at": "time",
              "posts.urls": "url", "accounts.url": "url",
              "accounts.followers": "number", "accounts.following": "number",
              "accounts.posts_count": "number", "accounts.verified": "flag",
              "posts.text": "text", "posts.lang": "short", "accounts.handle": "handle"}
# the share of non-empty values that must fit (ids: also the share of rows that must have one)
MIN_FIT = {"id": 0.9, "handle": 0.9, "time": 0.9, "url": 0.8, "number": 0.9, "flag": 0.95,
           "text": 0.5, "short": 0.9}
MIN_PRESENT = {"posts.account_id": 0.5, "accounts.account_id": 0.5, "posts.post_id": 0.5,
               "posts.created_at": 0.5}
_ID = r"^[^ \t\r\n]{1,256}$"
_HANDLE = r"^@?[\w.\-]{1,64}(?:@[\w.\-]+)?$"
_NUMBER = r"^[+-]?[0-9][0-9,]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?$"
_FLAG = {"0", "1", "true", "false", "t", "f", "yes", "no", "y", "n", "0.0", "1.0"}
_URLISH = (r"^(?:[A-Za-z][A-Za-z0-9+.\-]*://[^ \t/]+|www\.[^ \t]+|"
           r"[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}(?:/[^ \t]*)?)")


def present(values: pd.Series) -> pd.Series:
    """The non-empty values as stripped strings."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
            values.dtype):
        return values.dropna().astype("str")
    s = values.astype("str").str.strip()
    return s[s.notna() & (s != "") & ~s.str.lower().isin(["nan", "none", "null", "<na>"])]


def present_share(values: pd.Series) -> float:
    """Share of rows with a value (1.0 for an empty sample)."""
    return len(present(values)) / len(values) if len(values) else 1.0


def fit(kind: str, values: pd.Series, *, ids_allowed: bool = False) -> float | None:
    """Share of the non-empty ``values`` that look like ``kind`` (None when all are empty).

    ``ids_allowed``: for URL columns whose name says they hold URL ids (``url_id``).
    """
    if kind == "time" and (isinstance(values.dtype, pd.DatetimeTZDtype)
                           or pd.api.types.is_datetime64_dtype(values.dtype)):
        return 1.0 if values.notna().any() else None
    s = present(values)
    if s.empty:
        return None
    if kind == "id":
        return float(s.str.match(_ID).mean())
    if kind == "handle":
        return float(s.str.match(_HANDLE).mean())
    if kind == "number":
        return float(s.str.match(_NUMBER).mean())
    if kind == "flag":
        return float(s.str.lower().isin(_FLAG).mean())
    if kind == "short":
        return float((s.str.len() <= 16).mean())
    if kind == "text":
        return float(1.0 - s.str.match(_NUMBER).mean())
    if kind == "url":
        first = s.str.lstrip("[('\"").str.split(r"[ \t,;|]", regex=True, n=1).str[0]
        score = float(first.str.match(_URLISH).mean())
        return max(score, float(s.str.match(_ID).mean())) if ids_allowed else score
    if kind == "time":
        from astroturf.io.timeparse import parse_fraction

        return parse_fraction(s.reset_index(drop=True))
    return 1.0


def looks_like_flags(values: pd.Series) -> bool:
    """A 0/1 or true/false column (a repost flag, not the id of a reposted post)."""
    share = fit("flag", values)
    return share is not None and share >= MIN_FIT["flag"]


def looks_like_handles(values: pd.Series) -> bool:
    """Names of accounts rather than numbers: mostly handle-shaped, not mostly digits."""
    s = present(values)
    if s.empty:
        return False
    return bool(s.str.match(_HANDLE).mean() >= 0.9 and s.str.contains(r"[A-Za-z]").mean() > 0.5)
