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


def _has(posts: pd.DataFrame, accounts: pd.DataFrame, need: str) -> bool:
    table_name, _, rest = need.partition(".")
    field, _, kind = rest.partition("+")
    table = posts if table_name == "posts" else accounts
    if field not in table.columns:
        return False
    col = table[field]
    if kind:
        col = col[posts["kind"] == kind]
    return bool(col.notna().any())


def availability(posts: pd.DataFrame, accounts: pd.DataFrame) -> dict[str, str]:
    """Signal name -> why it cannot run on this data (absent from the dict = can run)."""
    out: dict[str, str] = {}
    for spec in SIGNALS:
        for need in spec.needs:
            if not _has(posts, accounts, need):
                field, _, kind = need.partition("+")
                what = f"{field} on {kind} posts" if kind else field
                out[spec.name] = f"no values for {what} in the input"
                break
    return out
