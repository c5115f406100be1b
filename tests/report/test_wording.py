import pytest

from astroturf.report.wording import (
    calibration_words,
    duration_words,
    fdr_words,
    p_words,
    percent,
    q_words,
    signal_words,
)


@pytest.mark.parametrize(("p", "words"), [
    (4e-269, "far beyond chance"), (1e-6, "far beyond chance"),
    (2e-4, "very unlikely to be chance"), (0.04, "unlikely to be chance"),
    (0.3, "could well be chance"), (None, ""), ("x", "")])
def test_p_words(p, words):
    assert p_words(p) == words


@pytest.mark.parametrize(("q", "words"), [
    (1 / 30, "about 1 in 30 clusters flagged at this level may be chance"),
    (0.05, "about 1 in 20 clusters flagged at this level may be chance"),
    (0.004, "about 1 in 200 clusters flagged at this level may be chance"),
    (2e-267, "fewer than 1 in 10,000 clusters flagged at this level may be chance"),
    (0.6, "as likely to be chance as not"), (float("nan"), "")])
def test_q_words(q, words):
    assert q_words(q) == words


def test_fdr_duration_percent_and_signal_words():
    assert fdr_words(0.05) == "on average at most about 1 in 20 flagged groups may be chance"
    assert fdr_words(None) == ""
    assert duration_words(3 * 3600 - 60) == "3 hours"  # rounded up, never understated
    assert duration_words(7) == "7 seconds" and duration_words(90) == "2 minutes"
    assert duration_words(5 * 86400) == "5 days"
    assert percent(0.934) == "93 %" and percent(0.001) == "<1 %" and percent(None) == ""
    assert signal_words("co_url", window_s=60) == "shared the same link within 60 s of each other"
    assert signal_words("new_signal") == "are linked by new_signal"


def test_calibration_words_from_a_fabricated_manifest_section():
    calibration = {"null_copies": 10, "fdr": 0.05, "flagged_clusters": 6,
                   "expected_false_flagged": 0.2, "channels": {}, "method": "permutation"}
    assert calibration_words(calibration, 6) == (
        "6 groups flagged; on randomised copies of this same data chance alone produced about "
        "0.2 such groups per copy (10 copies).")
    assert calibration_words({**calibration, "expected_false_flagged": 0.001}, 6).endswith(
        "fewer than 0.05 such groups per copy (10 copies).")
    assert "not run" in calibration_words({"null_copies": 0}, 1)
    assert calibration_words(None, 3) == "" and calibration_words({"null_copies": 5}, 3) == ""
