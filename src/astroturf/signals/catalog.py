"""The list of signals a scan can run: name, the fields each needs, and how params map to it.

This is the one place that knows which canonical fields feed which signal, so ``inspect`` and the
manifest can say exactly why a signal did not run on a given export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from astroturf.config import ScanParams

Runner = Callable[[pd.DataFrame, pd.DataFrame, ScanParams], pd.DataFrame]
# derived signals also get the edges of the signals they are derived from (4th argument)
DerivedRunner = Callable[[pd.DataFrame, pd.DataFrame, ScanParams, pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class SignalSpec:
    name: str
    family: str  # "coordination" or "profile"
    needs: tuple[str, ...]  # "posts.<field>" / "accounts.<field>"; "+repost" etc. = post kind
    description: str
    run: Runner | DerivedRunner
    derived_from: tuple[str, ...] = ()  # non-empty: run after these, on their edges


def _coaction(fn_name: str) -> Runner:
    def run(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
        from astroturf.signals import coactions

        fn = getattr(coactions, fn_name)
        return fn(posts, window=p.window, max_key_accounts=p.max_key_accounts,
                  max_fanout=p.max_fanout, max_evidence=p.max_evidence, engine=p.engine)
    return run


def _near_dup(synchronised: bool) -> Runner:
    def run(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
        from astroturf.signals.templates import near_duplicate_edges

        return near_duplicate_edges(posts, window=p.window if synchronised else None,
                                    threshold=p.near_dup_threshold,
                                    min_text_chars=p.min_text_chars, seed=p.seed,
                                    max_evidence=p.max_evidence)
    return run


def _bursts(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
    from astroturf.signals.bursts import creation_burst_edges

    return creation_burst_edges(accounts, burst_hours=p.burst_hours)


def _handles(field: str) -> Runner:
    def run(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
        from astroturf.signals.handles import handle_pattern_edges

        return handle_pattern_edges(accounts, field=field)
    return run


def _bios(field: str) -> Runner:
    def run(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
        from astroturf.signals.bios import bio_similarity_edges

        return bio_similarity_edges(accounts, field=field, seed=p.seed)
    return run


def _rhythm(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
    from astroturf.signals.rhythm import rhythm_edges

    return rhythm_edges(posts, seed=p.seed)


def _client(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams) -> pd.DataFrame:
    from astroturf.signals.clients import client_edges

    return client_edges(posts, accounts)


def _lockstep(posts: pd.DataFrame, accounts: pd.DataFrame, p: ScanParams,
              edges: pd.DataFrame) -> pd.DataFrame:
    from astroturf.signals.lockstep import lockstep_edges

    return lockstep_edges(posts, edges, window=p.window, max_evidence=p.max_evidence)


COACTION_SIGNALS = ("co_text", "co_repost", "co_url", "co_reply", "co_hashtag", "near_dup_sync")

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("co_text", "coordination", ("posts.text",),
               "same normalised text within the window", _coaction("co_text_edges")),
    SignalSpec("co_repost", "coordination", ("posts.target_post_id+repost",),
               "same repost target within the window", _coaction("co_repost_edges")),
    SignalSpec("co_url", "coordination", ("posts.urls",),
               "same normalised URL within the window", _coaction("co_url_edges")),
    SignalSpec("co_reply", "coordination", ("posts.target_post_id+reply",),
               "same reply target within the window", _coaction("co_reply_edges")),
    SignalSpec("co_hashtag", "coordination", ("posts.hashtags",),
               "same hashtag set within the window", _coaction("co_hashtag_edges")),
    SignalSpec("near_dup_sync", "coordination", ("posts.text",),
               "near-duplicate (templated) texts within the window", _near_dup(True)),
    SignalSpec("template_reuse", "coordination", ("posts.text",),
               "the same text template reused across the whole period", _near_dup(False)),
    SignalSpec("creation_burst", "profile", ("accounts.created_at",),
               "accounts created unusually close together", _bursts),
    SignalSpec("handle_pattern", "profile", ("accounts.handle",),
               "handles from one template", _handles("handle")),
    SignalSpec("name_pattern", "profile", ("accounts.display_name",),
               "display names from one template", _handles("display_name")),
    SignalSpec("bio_similar", "profile", ("accounts.bio",),
               "near-duplicate bios", _bios("bio")),
    SignalSpec("profile_url", "profile", ("accounts.url",),
               "same or near-identical profile URL", _bios("url")),
    SignalSpec("location", "profile", ("accounts.location",),
               "same unusual profile location", _bios("location")),
    SignalSpec("rhythm", "profile", ("posts.created_at",),
               "near-identical narrow hour-of-week activity profiles", _rhythm),
    SignalSpec("client", "profile", ("posts.client",),
               "shared rare posting client", _client),
    SignalSpec("lockstep", "coordination", ("posts.created_at",),
               "posts in the same minutes far more often than hour-scale activity explains",
               _lockstep, derived_from=COACTION_SIGNALS),
)


# plain words for field names in "why a signal cannot run" messages
FIELD_WORDS = {"created_at": "time", "target_post_id": "target post id",
               "display_name": "display name", "client": "client (app) name",
               "urls": "URLs", "hashtags": "hashtags"}


def _missing(posts: pd.DataFrame, accounts: pd.DataFrame, need: str) -> str | None:
    """Why ``need`` ("posts.<field>[+kind]" / "accounts.<field>") has no value, or None."""
    table_name, _, rest = need.partition(".")
    field, _, kind = rest.partition("+")
    table = posts if table_name == "posts" else accounts
    rows = table
    if kind:
        kinds = posts["kind"] if "kind" in posts.columns else pd.Series(index=posts.index)
        rows = table[(kinds == kind).fillna(False).astype(bool)]
    if field in rows.columns and len(rows) and rows[field].notna().any():
        return None
    what = FIELD_WORDS.get(field, field.replace("_", " "))
    if kind:
        plural = {"reply": "replies"}.get(kind, kind + "s")
        return f"no {plural} in the data" if len(rows) == 0 else f"no {kind} has a {what}"
    if table_name == "accounts":
        return f"no account has a {'creation time' if field == 'created_at' else what}"
    return f"no post has {what}"


def requirements() -> dict[str, tuple[str, str, str | None]]:
    """Signal -> (table, field, post kind or None) of the first field it needs."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for spec in SIGNALS:
        table, _, rest = spec.needs[0].partition(".")
        field, _, kind = rest.partition("+")
        out[spec.name] = (table, field, kind or None)
    return out


def availability(posts: pd.DataFrame, accounts: pd.DataFrame) -> dict[str, str]:
    """Signal name -> why it cannot run on this data (absent from the dict = can run).

    The one check behind the manifest's "skipped: ..." entries and ``astroturf inspect``.
    """
    out: dict[str, str] = {}
    for spec in SIGNALS:
        for need in spec.needs:
            why = _missing(posts, accounts, need)
            if why:
                out[spec.name] = why
                break
    return out
