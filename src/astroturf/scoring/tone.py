"""Tone of posts (positive, neutral, negative) with VADER, for English texts only.

Why VADER (Hutto & Gilbert 2014): a rule-based model built for short social-media texts
(emoji, capitals, "!!!", negations), fast enough for thousands of posts, deterministic, and its
lexicon ships inside the ``vaderSentiment`` package, so nothing is downloaded at run time. Its
authors' thresholds on the compound score are used as they are: >= 0.05 positive, <= -0.05
negative, neutral between.

VADER is English-only, so a text is scored only when it is English: its ``lang`` says so
('en', 'en-GB', ...) or, where ``lang`` is missing, at least a quarter of its words (and two
words or more) are English function words (scikit-learn's stop-word list), the classic cue of
language identification. Any other text is not assessed (NA), never scored as neutral.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from astroturf.schema import STR_DTYPE
from astroturf.scoring.stopwords import ENGLISH_STOP_WORDS

POSITIVE, NEGATIVE = 0.05, -0.05  # VADER's documented thresholds on the compound score
MIN_FUNCTION_SHARE = 0.25


@lru_cache(maxsize=1)
def _analyzer() -> Any:  # vaderSentiment has no type hints
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def is_english(texts: pd.Series, lang: pd.Series) -> np.ndarray:
    """True where a text can be scored: ``lang`` starts with 'en', or ``lang`` is missing and
    the function-word share is at least MIN_FUNCTION_SHARE (vectorised, pyarrow)."""
    code = lang.astype(STR_DTYPE).str.lower()
    by_lang = code.str.startswith("en").fillna(False).to_numpy(dtype=bool)
    unknown = code.isna().to_numpy()
    if not unknown.any():
        return by_lang
    words = pc.utf8_split_whitespace(pc.utf8_lower(pa.array(
        texts.astype(STR_DTYPE).where(unknown).fillna(""), pa.string())))
    flat = pc.replace_substring_regex(pc.list_flatten(words), r"^[^\pL]+|[^\pL]+$", "")
    parent = pc.list_parent_indices(words).to_numpy(zero_copy_only=False)
    hits = pc.is_in(flat, value_set=pa.array(sorted(ENGLISH_STOP_WORDS))).to_numpy(
        zero_copy_only=False)
    n = np.bincount(parent, minlength=len(texts))
    k = np.bincount(parent, weights=hits, minlength=len(texts))
    by_words = (n >= 2) & (k >= MIN_FUNCTION_SHARE * np.maximum(n, 1))
    return by_lang | (unknown & by_words)


def tone_labels(texts: pd.Series, lang: pd.Series) -> pd.Series:
    """'positive' / 'neutral' / 'negative' per text; NA where not English or empty.

    Each distinct text is scored once (campaign texts repeat), so the cost is per distinct
    English text: about 0.1 ms each.
    """
    out = pd.Series(pd.NA, index=texts.index, dtype=STR_DTYPE)
    ok = is_english(texts, lang) & texts.notna().to_numpy()
    if not ok.any():
        return out
    chosen = texts[ok].astype(STR_DTYPE)
    uniq = pd.unique(chosen)
    analyzer = _analyzer()
    compound = np.array([analyzer.polarity_scores(t)["compound"] for t in uniq])
    label = np.where(compound >= POSITIVE, "positive",
                     np.where(compound <= NEGATIVE, "negative", "neutral"))
    out[ok] = pd.Series(label, index=uniq).reindex(chosen.to_numpy()).to_numpy()
    return out
