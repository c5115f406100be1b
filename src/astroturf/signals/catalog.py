"""The list of signals a scan can run: name, the fields each needs, how it runs on the scan's
data and how it runs on a null copy.

This is the one place that knows which canonical fields feed which signal, so ``inspect`` and
the manifest can say exactly why a signal did not run on a given export, and the one place that
says which randomisation (``stats.randomise``) each signal's null copy uses:

- 'windowed': re-run on the copy's re-timed posts;
- 'key': re-run on rewired account x key stubs;
- 'profile': the real edges with accounts permuted (per family of fields);
- 'derived': re-run on the copy's own windowed edges (lockstep).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from astroturf.config import ScanParams
from astroturf.kernels.keys import auto_max_p
from astroturf.kernels.sweep import time_grid_ns, time_ns
from astroturf.signals.base import ChannelEdges, relabel

Runner = Callable[..., ChannelEdges]


@dataclass(frozen=True)
class SignalSpec:
    name: str
    family: str  # "coordination" or "profile" (what the user reads; fusion has its own)
    needs: tuple[str, ...]  # "posts.<field>" / "accounts.<field>"; "+repost" = post kind
    description: str
    kind: str  # windowed | key | profile | derived
    run: Runner
    derived_from: tuple[str, ...] = ()
    uses_templates: bool = False  # reads ScanData.templates() (built once, may be prefetched)
    # post times it needs: "window" (resolved within the window), "hour" (the hour of the
    # week) or "" (none); coarser times rule it out (``coarse_time_gaps``)
    needs_time: str = ""


def _windowed(name: str) -> Runner:
    def run(sd, p: ScanParams, null=None, base=None) -> ChannelEdges:
        from astroturf.signals.coactions import run_windowed

        return run_windowed(sd, name, window=p.window, times=None if null is None else null.t,
                            ranks=None if null is None else null.rank,
                            evidence=null is None, max_key_accounts=p.max_key_accounts,
                            max_fanout=p.max_fanout, max_evidence=p.max_evidence,
                            bandwidth=p.null_bandwidth)
    return run


def _key(name: str) -> Runner:
    def run(sd, p: ScanParams, null=None, base=None) -> ChannelEdges:
        from astroturf.signals import templates

        fn = getattr(templates, name)
        # edges fusion would drop (stats.fusion.collect) are counted, not made: on the scan
        # itself too, where they were millions of weak pairs held to the end of detection
        return fn(sd, max_key_accounts=p.max_key_accounts,
                  rng=None if null is None else null.rng(name), max_p=auto_max_p(sd.n_accounts))
    return run


def _profile(compute: Callable[[object, ScanParams], ChannelEdges], perm_family: str) -> Runner:
    """A profile signal: computed once; a null copy relabels its edges."""
    def run(sd, p: ScanParams, null=None, base=None) -> ChannelEdges:
        if null is None:
            return compute(sd, p)
        return relabel(base, null.permutation(perm_family))
    return run


def _bursts(sd, p: ScanParams) -> ChannelEdges:
    from astroturf.signals.bursts import creation_burst_channel

    return creation_burst_channel(sd, burst_hours=p.burst_hours)


def _handles(field: str) -> Callable[[object, ScanParams], ChannelEdges]:
    def compute(sd, p: ScanParams) -> ChannelEdges:
        from astroturf.signals.handles import handle_pattern_channel

        return handle_pattern_channel(sd, field=field)
    return compute


def _bios(field: str) -> Callable[[object, ScanParams], ChannelEdges]:
    def compute(sd, p: ScanParams) -> ChannelEdges:
        from astroturf.signals.bios import bio_similarity_channel

        return bio_similarity_channel(sd, field=field, seed=p.seed)
    return compute


def _rhythm(sd, p: ScanParams) -> ChannelEdges:
    from astroturf.signals.rhythm import rhythm_channel

    return rhythm_channel(sd, seed=p.seed)


def _client(sd, p: ScanParams) -> ChannelEdges:
    from astroturf.signals.clients import client_channel

    return client_channel(sd)


def _lockstep(sd, p: ScanParams, null=None, base=None, sources=()) -> ChannelEdges:
    """Lockstep re-tests the pairs that co-acted again and again in some windowed channel
    (three events, or two that already stand out at p <= 0.05): one coincidence is not a
    rhythm, and testing every co-acting pair of a viral crowd would cost more than everything
    else. The null copies select their candidates by the same rule."""
    from astroturf.signals.lockstep import lockstep_channel

    frames = []
    for s in sources:
        f, ev = s.frame, s.frame["n_events"]
        frames.append(f.loc[(ev >= 3) | ((ev >= 2) & (f["p_value"] <= 0.05)), ["a", "b"]])
    f = pd.concat(frames, ignore_index=True) if frames else None
    a = f["a"].to_numpy(np.int64) if f is not None else np.zeros(0, np.int64)
    b = f["b"].to_numpy(np.int64) if f is not None else np.zeros(0, np.int64)
    return lockstep_channel(sd, (a, b), window=p.window, bandwidth=p.null_bandwidth,
                            max_evidence=p.max_evidence,
                            times=None if null is None else null.t,
                            ranks=None if null is None else null.rank, evidence=null is None)


COACTION_SIGNALS = ("co_text", "co_repost", "co_url", "co_reply", "co_hashtag", "near_dup_sync")

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("co_text", "coordination", ("posts.text",),
               "same normalised text within the window", "windowed", _windowed("co_text"),
               needs_time="window"),
    SignalSpec("co_repost", "coordination", ("posts.target_post_id+repost",),
               "same repost target within the window", "windowed", _windowed("co_repost"),
               needs_time="window"),
    SignalSpec("co_url", "coordination", ("posts.urls",),
               "same normalised URL within the window", "windowed", _windowed("co_url"),
               needs_time="window"),
    SignalSpec("co_reply", "coordination", ("posts.target_post_id+reply",),
               "same reply target within the window", "windowed", _windowed("co_reply"),
               needs_time="window"),
    SignalSpec("co_hashtag", "coordination", ("posts.hashtags",),
               "same hashtag set within the window", "windowed", _windowed("co_hashtag"),
               needs_time="window"),
    SignalSpec("near_dup_sync", "coordination", ("posts.text",),
               "near-duplicate (templated) texts within the window", "windowed",
               _windowed("near_dup_sync"), uses_templates=True, needs_time="window"),
    SignalSpec("template_reuse", "coordination", ("posts.text",),
               "the same text reused at any time (each template counts once)", "key",
               _key("template_reuse"), uses_templates=True),
    SignalSpec("app_boilerplate", "profile", ("posts.text",),
               "the same app-generated template (slots filled by each user): a shared app",
               "key", _key("app_boilerplate"), uses_templates=True),
    SignalSpec("creation_burst", "profile", ("accounts.created_at",),
               "accounts created unusually close together", "profile",
               _profile(_bursts, "creation")),
    SignalSpec("handle_pattern", "profile", ("accounts.handle",),
               "handles from one template", "profile", _profile(_handles("handle"), "names")),
    SignalSpec("name_pattern", "profile", ("accounts.display_name",),
               "display names from one template", "profile",
               _profile(_handles("display_name"), "names")),
    SignalSpec("bio_similar", "profile", ("accounts.bio",),
               "near-duplicate bios", "profile", _profile(_bios("bio"), "bio")),
    SignalSpec("profile_url", "profile", ("accounts.url",),
               "same or near-identical profile URL", "profile", _profile(_bios("url"), "bio")),
    SignalSpec("location", "profile", ("accounts.location",),
               "same unusual profile location", "profile", _profile(_bios("location"), "bio")),
    SignalSpec("rhythm", "profile", ("posts.created_at",),
               "near-identical narrow hour-of-week activity profiles", "profile",
               _profile(_rhythm, "rhythm"), needs_time="hour"),
    SignalSpec("client", "profile", ("posts.client",),
               "shared rare posting client", "profile", _profile(_client, "client")),
    SignalSpec("lockstep", "coordination", ("posts.created_at",),
               "posts in the same minutes far more often than hour-scale activity explains",
               "derived", _lockstep, derived_from=COACTION_SIGNALS, needs_time="window"),
)


# how the time grids read in "why a signal cannot run" messages
GRID_WORDS = {86_400 * 10**9: "the day", 3_600 * 10**9: "the hour", 60 * 10**9: "the minute",
              10**9: "the second"}
COARSE_TIMES = "post times are recorded only to"  # how every such reason begins


def coarse_time_gaps(grid_ns: int, window: float) -> dict[str, str]:
    """Signal name -> why the grid the post times were recorded on rules it out
    (``SignalSpec.needs_time``).

    Synchrony within the window cannot be seen when every post of a day (an hour, a minute
    past the window) shares one instant: the windowed channels and lock-step would call a
    whole day's posts simultaneous, and rhythm needs the hour of the week
    (docs/interpreting.md, "Coarse times").
    """
    unit = GRID_WORDS.get(grid_ns, f"{grid_ns / 1e9:g} s")
    finest = {"window": round(window * 1e9), "hour": 3_600 * 10**9}
    why = {"window": f"{COARSE_TIMES} {unit}, coarser than the {window:g} s window",
           "hour": f"{COARSE_TIMES} {unit}: no hour of the week"}
    return {s.name: why[s.needs_time] for s in SIGNALS
            if s.needs_time and grid_ns > finest[s.needs_time]}


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
    if kind == "repost" and len(rows) and "text" in rows.columns and rows["text"].notna().any():
        return None  # reposts without target ids are keyed by the reposted text
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


def availability(posts: pd.DataFrame, accounts: pd.DataFrame, *, window: float | None = None,
                 grid_ns: int | None = None) -> dict[str, str]:
    """Signal name -> why it cannot run on this data (absent from the dict = can run): a
    field it needs has no value, or the post times are too coarse for it at ``window``
    seconds (default: the scan's; ``grid_ns``: their grid, found from ``posts`` when not
    given).

    The one check behind the manifest's "skipped: ..." entries and ``astroturf inspect``.
    """
    out: dict[str, str] = {}
    for spec in SIGNALS:
        for need in spec.needs:
            why = _missing(posts, accounts, need)
            if why:
                out[spec.name] = why
                break
    if grid_ns is None:
        grid_ns = time_grid_ns(time_ns(posts["created_at"])) if "created_at" in posts else 1
    for name, why in coarse_time_gaps(grid_ns, ScanParams().window if window is None
                                      else window).items():
        out.setdefault(name, why)
    return out
