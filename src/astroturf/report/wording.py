"""Plain words for the numbers: what an analyst who has never read a p-value can quote.

Each phrase is tied to a fixed cut-off, the same on every dataset (docs/interpreting.md,
"Reading the report"), so the words never say more than the number does:

- p (chance that links this strong arise between independent accounts): <= 1e-6 "far beyond
  chance", <= 1e-3 "very unlikely to be chance", <= 0.05 "unlikely to be chance", else "could
  well be chance".
- q (false discovery rate of the clusters flagged at that level): "about 1 in N clusters
  flagged at this level may be chance", N = 1/q rounded down to a round number; below 1e-4
  "fewer than 1 in 10,000"; at q >= 0.5 "as likely to be chance as not".
"""

from __future__ import annotations

import math
from typing import Any

SIGNAL_WORDS = {
    "co_text": "posted the same text within {window} of each other",
    "co_repost": "reposted the same post within {window} of each other",
    "co_url": "shared the same link within {window} of each other",
    "co_reply": "replied to the same post within {window} of each other",
    "co_hashtag": "used the same hashtags within {window} of each other",
    "near_dup_sync": "posted near-identical texts within {window} of each other",
    "template_reuse": "reused the same text templates",
    "lockstep": "posted in the same minutes far more often than chance",
    "creation_burst": "were created at nearly the same time",
    "handle_pattern": "have handles made from one pattern",
    "name_pattern": "have display names made from one pattern",
    "bio_similar": "have near-identical bios",
    "profile_url": "give the same profile link",
    "location": "give the same unusual location",
    "rhythm": "post on the same narrow weekly schedule",
    "client": "post from the same rare app",
}
SIGNAL_SHORT = {
    "co_text": "same text", "co_repost": "same reposts", "co_url": "same links",
    "co_reply": "same reply targets", "co_hashtag": "same hashtags",
    "near_dup_sync": "near-identical texts", "template_reuse": "text templates",
    "lockstep": "posting in lock-step", "creation_burst": "created together",
    "handle_pattern": "patterned handles", "name_pattern": "patterned names",
    "bio_similar": "near-identical bios", "profile_url": "same profile link",
    "location": "same location", "rhythm": "same weekly schedule", "client": "same rare app",
}
# signals whose n_events counts actions (posts), not profile comparisons
ACTION_SIGNALS = frozenset({"co_text", "co_repost", "co_url", "co_reply", "co_hashtag",
                            "near_dup_sync", "template_reuse", "lockstep"})
_ROUND = (2, 3, 4, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def p_words(p: Any) -> str:
    """How a p-value reads in words ('' when missing)."""
    v = _float(p)
    if math.isnan(v):
        return ""
    if v <= 1e-6:
        return "far beyond chance"
    if v <= 1e-3:
        return "very unlikely to be chance"
    if v <= 0.05:
        return "unlikely to be chance"
    return "could well be chance"


def one_in(q: float) -> str:
    """'1 in 30' for q = 0.033: the largest round number not above 1/q, so the words never
    make the result look stronger than the number."""
    n = max([r for r in _ROUND if r <= (1 / q) * (1 + 1e-9)] or [1])
    return f"1 in {n:,}"


def q_words(q: Any, *, what: str = "clusters") -> str:
    """How a cluster's q-value reads in words ('' when missing)."""
    v = _float(q)
    if math.isnan(v):
        return ""
    if v >= 0.5:
        return "as likely to be chance as not"
    if v < 1e-4:
        return f"fewer than 1 in 10,000 {what} flagged at this level may be chance"
    return f"about {one_in(v)} {what} flagged at this level may be chance"


def fdr_words(fdr: Any) -> str:
    """The flagging rule in words: 'at most about 1 in 20 flagged groups may be chance'."""
    v = _float(fdr)
    if math.isnan(v) or v <= 0 or v >= 1:
        return ""
    return f"on average at most about {one_in(v)} flagged groups may be chance"


def duration_words(seconds: Any) -> str:
    """'40 seconds', '12 minutes', '3 hours', '2 days' (rounded up, so never understated)."""
    s = _float(seconds)
    if math.isnan(s):
        return ""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if s >= size * (2 if unit != "minute" else 1):
            n = math.ceil(s / size - 1e-9)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    n = max(1, math.ceil(s))
    return f"{n} second{'s' if n != 1 else ''}"


def window_words(window_s: Any) -> str:
    """The co-action window as text: '60 s'."""
    v = _float(window_s)
    return "the time window" if math.isnan(v) else f"{v:g} s"


def signal_words(signal: str, *, window_s: Any = 60) -> str:
    """What a signal means for a pair of members, in words (the name itself when unknown)."""
    text = SIGNAL_WORDS.get(signal)
    return text.format(window=window_words(window_s)) if text else f"are linked by {signal}"


def signal_short(signal: str) -> str:
    """Two or three words for a signal (the at-a-glance table); the name when unknown."""
    return SIGNAL_SHORT.get(signal, signal)


def percent(share: Any) -> str:
    """'93 %' ('' when missing); '<1 %' for tiny non-zero shares."""
    v = _float(share)
    if math.isnan(v):
        return ""
    if 0 < v < 0.005:
        return "<1 %"
    return f"{round(100 * v)} %"


def times_more(share: Any, background: Any) -> str:
    """'38 times as often as in the whole data' ('' when not computable)."""
    a, b = _float(share), _float(background)
    if math.isnan(a) or math.isnan(b) or b <= 0:
        return ""
    ratio = a / b
    return f"{ratio:.0f}× as often as in the whole data" if ratio >= 2 else ""


def calibration_words(calibration: Any, n_flagged: int) -> str:
    """The manifest's calibration section in one sentence ('' when absent or malformed).

    "6 groups flagged; on randomised copies of this same data chance alone produced about 0.2
    such groups per copy (10 copies)." With null_copies = 0 it says the check was off.
    """
    if not isinstance(calibration, dict):
        return ""
    copies = int(_float(calibration.get("null_copies")) or 0)
    groups = f"{n_flagged} group{'s' if n_flagged != 1 else ''} flagged"
    if copies <= 0:
        return f"{groups}; the check against randomised copies of the data was not run."
    expected = _float(calibration.get("expected_false_flagged"))
    if math.isnan(expected):
        return ""
    plural = "copy" if copies == 1 else "copies"
    if expected < 0.05:  # one decimal would print "about 0.0": say the bound instead
        return (f"{groups}; on randomised copies of this same data chance alone produced fewer "
                f"than 0.05 such groups per copy ({copies} {plural}).")
    amount = f"{expected:.1f}" if expected < 10 else f"{expected:.0f}"
    return (f"{groups}; on randomised copies of this same data chance alone produced about "
            f"{amount} such group{'' if amount == '1.0' else 's'} per copy ({copies} {plural}).")


def coarse_times_note(signals: dict[str, str]) -> str:
    """One line when the post times were too coarse for the synchrony signals (dates only):
    what a reader must know before reading "no synchronised group" into the result."""
    from astroturf.signals.catalog import COARSE_TIMES

    why = f"skipped: {COARSE_TIMES} "
    gone = sorted(n for n, s in signals.items() if str(s).startswith(why) and "window" in str(s))
    if not gone:
        return ""
    reason = str(signals[gone[0]])[len("skipped: "):]
    return f"Note: {reason}, so {', '.join(gone)} did not run."
