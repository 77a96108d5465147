"""Baselines re-checked on the data at hand: forecasters backtested on the end of the
histories they will extend, and the rule by which another baseline replaces the fitted
one: better by a margin and by 2 standard errors (forecaster predict, at the default
3 %; imputer transform, at its own 1 %, since it keeps the correction over the new fill,
or by 5 % alone)."""

from __future__ import annotations

import numpy as np

from ._base import evenly_spaced

SWITCH = 0.97  # another forecasting baseline replaces the fitted one where >3 % better


def backtest_errors(estimators: dict, X: np.ndarray, n_out: int, max_windows: int = 32
                    ) -> dict[str, np.ndarray]:
    """Squared error (n, C), averaged over time, of each fitted forecaster predicting the
    last ``n_out`` samples of ``X`` from the samples before them, on up to
    ``max_windows`` windows evenly spaced; a candidate whose minimum history is longer
    than what is left is not scored."""
    if X.shape[-1] <= n_out:
        return {}
    rows = evenly_spaced(len(X), max_windows)
    past, future = X[rows, :, :-n_out], X[rows, :, -n_out:]
    return {name: np.mean((est.predict(past) - future) ** 2, axis=-1)
            for name, est in estimators.items() if past.shape[-1] >= est._min_times()}


def significant(gain: np.ndarray) -> bool:
    """Whether the mean of per-row gains is 2 standard errors above 0."""
    gain = np.ravel(gain)
    return bool(gain.size > 1 and gain.mean() > 2 * gain.std(ddof=1) / np.sqrt(gain.size))


def material(error: np.ndarray, base_error: np.ndarray, margin: float = SWITCH) -> bool:
    """Whether per-row ``error`` beats ``base_error`` on average by the margin (3 % by
    default) and by 2 standard errors across rows (paired): the rule by which one
    candidate replaces another. A choice made as the best of many (a baseline among
    several, a weight on a grid) shows a small gain on any data; the margin keeps one that
    does not carry to other data from being used."""
    return bool(np.mean(error) < margin * np.mean(base_error)
                and significant(base_error - error))


def clearly_better(errors: dict[str, np.ndarray], fitted: str, margin: float = SWITCH,
                   wide: float = 0.0) -> str:
    """Of the names whose per-row ``errors`` beat ``fitted``'s by :func:`material` at
    ``margin``, or by the margin and the ``wide`` margin alone (0: never), the one with
    the lowest mean; ``fitted`` when there is none, or when it was not scored."""
    if fitted not in errors:
        return fitted
    ref = float(np.mean(errors[fitted]))
    better = {k: float(np.mean(v)) for k, v in errors.items()
              if material(v, errors[fitted], margin) or np.mean(v) < min(margin, wide) * ref}
    return min(better, key=better.get) if better else fitted
