"""The stop words loaded without importing scikit-learn are scikit-learn's."""

from __future__ import annotations

import subprocess
import sys


def test_same_set_as_scikit_learn():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as theirs

    from astroturf.scoring.stopwords import ENGLISH_STOP_WORDS

    assert theirs == ENGLISH_STOP_WORDS and "the" in ENGLISH_STOP_WORDS


def test_loading_them_does_not_import_scikit_learn_or_scipy_stats():
    code = ("import sys, astroturf.scoring.stopwords, astroturf.pipeline, "
            "astroturf.report.details; print(sorted(m for m in ('sklearn', 'scipy.stats') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
