"""Baselines re-checked on the data at hand: forecasters backtested on the end of the
histories they will extend, and the rule by which another baseline replaces the fitted
one (forecaster predict, at the default 3 % margin; imputer transform, at its own 1 %,
since it keeps the correction over the new fill)."""

from __future__ import annotations

import numpy as np

SWITCH = 0.97  # another forecasting baseline replaces the fitted one where >3 % better


def evenly_spaced(n: int, max_windows: int) -> np.ndarray:
    """Indices of up to ``max_windows`` of ``n`` windows, evenly spaced, first and last kept."""
    return np.unique(np.linspace(0, n - 1, min(n, max_windows)).astype(int))


def backtest(estimators: dict, X: np.ndarray, n_out: int, max_windows: int = 32
             ) -> dict[str, float]:
    """MSE of each fitted forecaster predicting the last ``n_out`` samples of ``X`` from
    the samples before them, on up to ``max_windows`` windows evenly spaced; a candidate
    whose minimum history is longer than what is left is not scored."""
    if X.shape[-1] <= n_out:
        return {}
    rows = evenly_spaced(len(X), max_windows)
    past, future = X[rows, :, :-n_out], X[rows, :, -n_out:]
    return {name: float(np.mean((est.predict(past) - future) ** 2))
            for name, est in estimators.items() if past.shape[-1] >= est._min_times()}


def clearly_best(scores: dict[str, float], fitted: str, margin: float = SWITCH) -> str:
    """The best-scored name if it beats ``fitted`` by the margin, else ``fitted`` (also
    when ``fitted`` was not scored)."""
    if fitted not in scores:
        return fitted
    best = min(scores, key=scores.get)
    return best if scores[best] < margin * scores[fitted] else fitted
