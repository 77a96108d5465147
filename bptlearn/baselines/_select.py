"""Pick the best simple predictor on held-back data; shrink what a model adds to it."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._backtest import backtest_errors
from ._forecast import (
    ARForecaster,
    HistoryARForecaster,
    MeanForecaster,
    RepeatLastForecaster,
    _BaseForecaster,
)


def shrinkage(target: np.ndarray, correction: np.ndarray, groups: np.ndarray | None = None,
              z: float = 2.0) -> float:
    """Least-squares weight ``s`` in [0, 1] of ``correction`` towards ``target``; 0 unless it
    lowers the squared error (so ``base + s * correction`` never loses to ``base``).

    With ``groups``, ``s`` is also 0 unless the least-squares weight is ``z`` standard
    errors above 0, the standard error estimated from its spread across the groups
    (cluster-robust: samples of one group, e.g. one channel of one window, may be
    correlated). A correction that only fits noise then gets no weight, where the
    least-squares weight alone would give it a small one half of the time.

    Parameters
    ----------
    target : ndarray
        What the correction should add to the baseline (truth minus baseline).
    correction : ndarray of target's shape
        What the model adds.
    groups : ndarray of target's shape or None, default=None
        Group of each sample (at least 2 groups, else ``s`` is 0); None: no test.
    z : float, default=2.0
        Standard errors the weight must stand above 0 (with ``groups``).

    Returns
    -------
    s : float
        The shrinkage weight.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import shrinkage
    >>> r = np.array([1.0, -1.0, 2.0])
    >>> shrinkage(r, 2 * r), shrinkage(r, -r), shrinkage(r, np.zeros(3))
    (0.5, 0.0, 0.0)
    >>> rng = np.random.default_rng(0)
    >>> target, noise = rng.normal(size=(50, 100)), rng.normal(size=(50, 100))
    >>> rows = np.arange(50)[:, None].repeat(100, axis=1)
    >>> shrinkage(target, noise) > 0, shrinkage(target, noise, groups=rows)
    (True, 0.0)
    """
    target, correction = np.asarray(target, float).ravel(), np.asarray(correction, float).ravel()
    denom = float(correction @ correction)
    if denom == 0.0:
        return 0.0
    raw = float(target @ correction) / denom
    if groups is not None:
        _, ids = np.unique(np.asarray(groups).ravel(), return_inverse=True)
        if ids.max() < 1:
            return 0.0
        a = np.bincount(ids, target * correction)  # per group: cross and correction power
        b = np.bincount(ids, correction * correction)
        if raw <= z * np.sqrt(np.sum((a - raw * b) ** 2)) / denom:
            return 0.0
    s = float(np.clip(raw, 0.0, 1.0))
    gain = np.sum(target ** 2) - np.sum((target - s * correction) ** 2)
    return s if gain > 0 else 0.0


def channel_groups(shape: tuple[int, ...]) -> np.ndarray:
    """Group ids for :func:`shrinkage` over (n_windows, n_chans, ...) arrays: one group per
    channel of each window (its samples may be correlated), broadcast to ``shape``."""
    return np.broadcast_to(np.arange(shape[0] * shape[1]).reshape(shape[0], shape[1], 1),
                           (shape[0], shape[1], int(np.prod(shape[2:], dtype=int))))


def _held_back(n: int, fraction: float, groups: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held back).

    With ``groups`` (patient or recording ids, one per window) of 3 or more values: whole
    groups, about ``fraction`` of them (at least one, and two left to train on), evenly
    spaced in their order of first appearance, so that what is held back is new to what
    trains (windows of one patient, or segments cut at the same moment, resemble each
    other). Otherwise the last ``fraction`` of the windows, a contiguous block (windows
    slid over one recording overlap, so a random split would leak).
    """
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(f"groups has shape {groups.shape}, but there are {n} windows: pass "
                             "one patient or recording id per window.")
        _, first = np.unique(groups, return_index=True)
        order = groups[np.sort(first)]  # the groups in order of first appearance
        if len(order) >= 3:
            k = min(len(order) - 2, max(1, int(round(len(order) * fraction))))
            held = np.isin(groups, order[np.linspace(0, len(order) - 1, k).round().astype(int)])
            return np.flatnonzero(~held), np.flatnonzero(held)
    n_val = int(round(n * fraction))
    if n < 2 or n_val == 0:
        idx = np.arange(n)
        return idx, idx
    n_val = min(n_val, n - 1)
    return np.arange(n - n_val), np.arange(n - n_val, n)


def default_forecasters(horizon: int = 2, patch_len: int = 1500) -> dict[str, Any]:
    """The forecasting baselines a Brant forecast must beat, by name.

    Parameters
    ----------
    horizon : int, default=2
        Forecast length in patches.
    patch_len : int, default=1500
        Samples per patch.

    Returns
    -------
    candidates : dict of str to estimator
        History mean, last patch repeated, an AR fitted on the fit windows and one
        fitted on each history itself, both with their order chosen by BIC (up to 20).

    Examples
    --------
    >>> from bptlearn.baselines import default_forecasters
    >>> list(default_forecasters())
    ['history mean', 'repeat last patch', 'AR (BIC order)', 'AR on each history']
    """
    kw = dict(horizon=horizon, patch_len=patch_len)
    return {"history mean": MeanForecaster(**kw), "repeat last patch": RepeatLastForecaster(**kw),
            "AR (BIC order)": ARForecaster(order="auto", max_order=20, **kw),
            "AR on each history": HistoryARForecaster(max_order=20, **kw)}


_SELECT_PARAMS: dict = {"candidates": [dict, None],
                        "validation_fraction": [Interval(Real, 0, 1, closed="neither")]}


class BestBaselineForecaster(_BaseForecaster):
    """The forecasting baseline with the lowest MSE on held-back windows of the fit data.

    Each candidate is fitted on the first windows and scored on the last
    ``validation_fraction`` of them (a contiguous block, as overlapping windows of one
    recording would leak across a random split), or on whole held-back patients when
    ``fit`` is given their ids; the best is refitted on all windows.

    Parameters
    ----------
    horizon : int, default=2
        Forecast length in patches.
    patch_len : int, default=1500
        Samples per patch.
    candidates : dict of str to estimator or None, default=None
        Forecasters by name; ``None``: :func:`default_forecasters`.
    validation_fraction : float, default=0.2
        Fraction of the windows held back.

    Attributes
    ----------
    best_name_ : str
        Name of the chosen candidate.
    best_estimator_ : estimator
        The chosen candidate, refitted on every window.
    estimators_ : dict of str to estimator
        Every candidate, refitted on every window (for :meth:`rank`).
    scores_ : dict of str to float
        Held-back MSE of each candidate.
    n_chans_in_ : int
        Number of channels seen during fit.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import BestBaselineForecaster
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 2, 60)) + 5 * rng.normal(size=(20, 2, 1))  # noise, offsets
    >>> best = BestBaselineForecaster(horizon=1, patch_len=20).fit(X[..., :40], X[..., 40:])
    >>> best.best_name_
    'history mean'
    """

    _parameter_constraints: dict = {**_BaseForecaster._parameter_constraints, **_SELECT_PARAMS}

    def __init__(self, horizon: int = 2, *, patch_len: int = 1500, candidates: dict | None = None,
                 validation_fraction: float = 0.2) -> None:
        self.horizon = horizon
        self.patch_len = patch_len
        self.candidates = candidates
        self.validation_fraction = validation_fraction

    def _min_times(self) -> int:
        return 21

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None, groups: Any = None) -> BestBaselineForecaster:
        """Score every candidate on held-back windows, then refit each on all of them.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            History windows.
        y : array-like of shape (n_windows, n_chans, horizon_samples)
            The signal that follows each window.
        groups : array-like of shape (n_windows,) or None, default=None
            Patient (or recording) ids. With 3 or more, whole groups are held back
            (about ``validation_fraction`` of them, evenly spaced in order of first
            appearance) instead of the last windows.

        Returns
        -------
        self : BestBaselineForecaster
        """
        return self._fit_checked(X, y, groups=groups)

    def _fit(self, X: np.ndarray, y: np.ndarray | None, groups: Any = None) -> None:
        if y is None:
            raise ValueError("BestBaselineForecaster scores candidates on the futures of held-back "
                             "windows: pass y, the samples that follow each window of X.")
        candidates = self.candidates or default_forecasters(self.horizon, self.patch_len)
        train, val = _held_back(len(X), self.validation_fraction, groups)
        scores = {}
        for name, est in candidates.items():
            pred = clone(est).fit(X[train], y[train]).predict(X[val])
            scores[name] = float(np.mean((pred - y[val]) ** 2))
        self.best_name_ = min(scores, key=scores.get)
        self.scores_ = scores
        self.estimators_ = {name: clone(est).fit(X, y) for name, est in candidates.items()}
        self.best_estimator_ = self.estimators_[self.best_name_]

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.best_estimator_.predict(X)

    def rank(self, X: np.ndarray, *, max_windows: int = 32) -> dict[str, float]:
        """MSE of every fitted candidate forecasting the last ``horizon`` patches of ``X``
        from the samples before them (a backtest on the histories to be extended).

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            History windows.
        max_windows : int, default=32
            Windows used, evenly spaced.

        Returns
        -------
        scores : dict of str to float
            MSE per candidate name; empty when the histories are not longer than the
            horizon; a candidate that needs more past samples than are left is absent.

        Examples
        --------
        >>> import numpy as np
        >>> from bptlearn.baselines import BestBaselineForecaster
        >>> x = np.sin(np.arange(100) * 0.3 + np.arange(20)[:, None])[:, None]  # sinusoids
        >>> best = BestBaselineForecaster(horizon=1, patch_len=20).fit(x[..., :80], x[..., 80:])
        >>> scores = best.rank(5 + np.random.default_rng(0).normal(size=(20, 1, 80)))  # noise
        >>> best.best_name_, min(scores, key=scores.get)  # on white noise the mean is best
        ('AR on each history', 'history mean')
        """
        errors = self._backtest_errors(np.asarray(X, dtype=float), max_windows=max_windows)
        return {name: float(np.mean(err)) for name, err in errors.items()}

    def _backtest_errors(self, X: np.ndarray, *, max_windows: int = 32
                         ) -> dict[str, np.ndarray]:
        """The squared errors behind :meth:`rank`, per window and channel (n, C), for a
        decision that also weighs their spread (``clearly_better``)."""
        check_is_fitted(self)
        return backtest_errors(self.estimators_, X, self.horizon * self.patch_len, max_windows)
