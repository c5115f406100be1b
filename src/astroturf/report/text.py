"""Text helpers shared by the terminal summary, the HTML report and ``explain``: printable
one-line text from untrusted values, booleans from NA-able cells, numbers for humans.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: Any) -> str:
    """Printable one-line text: NA -> '', control characters (ANSI escapes too) -> ' '."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return _CONTROL.sub(" ", str(value))


def truthy(value: Any) -> bool:
    """True for True-like values; NA/None/NaN count as False."""
    return False if value is None or pd.isna(value) else bool(value)


def fmt_num(value: Any, spec: str = ".3g") -> str:
    """Number for humans; '-' when missing."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(v) else format(v, spec)
