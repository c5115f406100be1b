"""English stop words (scikit-learn's list), without importing scikit-learn.

Why: ``import sklearn`` costs about a second per scan (it imports much of SciPy) and the scan
needs only this frozenset from it. The list lives in a module of its own inside scikit-learn;
it is loaded from that file alone. If a scikit-learn release moves it, the public import is
used instead (tests/scoring/test_stopwords.py checks both give the same set).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _load() -> frozenset[str]:
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    origin = Path(spec.origin).parent / "feature_extraction" / "_stop_words.py" if (
        spec and spec.origin) else None
    if origin is not None and origin.is_file():
        one = importlib.util.spec_from_file_location("astroturf_sklearn_stop_words", origin)
        if one is not None and one.loader is not None:
            module = importlib.util.module_from_spec(one)
            one.loader.exec_module(module)
            words = getattr(module, "ENGLISH_STOP_WORDS", None)
            if isinstance(words, frozenset):
                return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


ENGLISH_STOP_WORDS: frozenset[str] = _load()
