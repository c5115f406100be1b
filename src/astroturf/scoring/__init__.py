"""Verdicts: account scores, cluster tables and the reasons behind them (see the modules)."""

from astroturf.scoring.verdicts import evidence_to_score

__all__ = ["evidence_to_score"]
