"""Seizure-detection baseline: log band powers per channel and logistic regression."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ..nn import BAND_NAMES, band_power
from ..utils._tags import _ThreeDMixin
from ._base import _check_windows


class BandPowerSeizureDetector(_ThreeDMixin, ClassifierMixin, BaseEstimator):
    """Detect seizure windows from log band powers and amplitude, with logistic regression.

    The classic feature baseline beside Brant: for each channel, the log power in
    Brant's 8 bands (:func:`bptlearn.nn.band_power`, bands
    :data:`bptlearn.nn.BAND_EDGES`, periodogram of the whole window) and the log
    amplitude ``log10(1 + std)``; the features are standardised and fed to
    :class:`~sklearn.linear_model.LogisticRegression`. Labels are per window.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength of the logistic regression.
    sfreq : float, default=250.0
        Sampling rate of the windows, in Hz.
    pooling : {'channel', 'mean', 'max'}, default='channel'
        ``'channel'`` keeps each channel's 9 features (channels must match at
        predict: patient-specific use); ``'mean'`` or ``'max'`` pools them over
        channels, so any implant works (cross-patient use).
    class_weight : 'balanced', dict or None, default='balanced'
        As in :class:`~sklearn.linear_model.LogisticRegression`; ``'balanced'``
        suits the rarity of seizure windows.
    max_iter : int, default=1000
        Solver iterations.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted scaler and logistic regression.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_chans_in_ : int
        Number of channels seen during fit.

    Notes
    -----
    The band powers follow Brant's ``log10(power + 1)``, so they assume signals in
    µV, as the model does; in volts every feature is close to 0.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import BandPowerSeizureDetector
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(500) / 250.0
    >>> X = rng.normal(scale=10.0, size=(40, 2, 500))
    >>> y = np.arange(40) % 2
    >>> X[y == 1] += 80.0 * np.sin(2 * np.pi * 5.0 * t)  # rhythmic 5-Hz discharge
    >>> clf = BandPowerSeizureDetector().fit(X, y)
    >>> clf.predict_proba(X).shape, clf.score(X, y)
    ((40, 2), 1.0)
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "sfreq": [Interval(Real, 0, None, closed="neither")],
        "pooling": [StrOptions({"channel", "mean", "max"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, C: float = 1.0, *, sfreq: float = 250.0, pooling: str = "channel",
                 class_weight: Any = "balanced", max_iter: int = 1000) -> None:
        self.C = C
        self.sfreq = sfreq
        self.pooling = pooling
        self.class_weight = class_weight
        self.max_iter = max_iter

    def _features(self, X: np.ndarray) -> np.ndarray:
        power = band_power(torch.from_numpy(np.ascontiguousarray(X)), float(self.sfreq)).numpy()
        amplitude = np.log10(1.0 + X.std(axis=-1))[..., None]
        feats = np.concatenate([power, amplitude], axis=-1)  # (n, C, n_bands + 1)
        if self.pooling == "mean":
            return feats.mean(axis=1)
        if self.pooling == "max":
            return feats.max(axis=1)
        return feats.reshape(len(X), -1)

    def _check(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return _check_windows(self, X, reset=False, match_chans=self.pooling == "channel",
                              min_times=2)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> BandPowerSeizureDetector:
        """Compute the features of each window and fit the logistic regression.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows at ``sfreq``.
        y : array-like of shape (n_windows,)
            Window labels (e.g. 0 normal, 1 seizure).

        Returns
        -------
        self : object
            The fitted detector.
        """
        X = _check_windows(self, X, reset=False, match_chans=False, min_times=2)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must hold one label per window, shape ({X.shape[0]},), got {y.shape}. For "
                "channel x patch token labels pass y.reshape(len(y), -1).max(axis=1)."
            )
        check_classification_targets(y)
        pipeline = make_pipeline(StandardScaler(), LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter))
        pipeline.fit(self._features(X), y)
        self.pipeline_ = pipeline
        self.classes_ = pipeline.classes_
        self.n_chans_in_ = X.shape[1]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class per window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows at ``sfreq``.

        Returns
        -------
        proba : ndarray of shape (n_windows, n_classes)
            Columns ordered as ``classes_``.
        """
        features = self._features(self._check(X))
        return self.pipeline_.predict_proba(features)

    def decision_function(self, X: Any) -> np.ndarray:
        """Logistic-regression scores per window (log-odds of ``classes_[1]`` for 2 classes).

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows at ``sfreq``.

        Returns
        -------
        scores : ndarray of shape (n_windows,) or (n_windows, n_classes)
            Decision values.
        """
        features = self._features(self._check(X))
        return self.pipeline_.decision_function(features)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class per window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows at ``sfreq``.

        Returns
        -------
        y_pred : ndarray of shape (n_windows,)
            Predicted labels.
        """
        features = self._features(self._check(X))
        return self.pipeline_.predict(features)

    def get_feature_names(self) -> list[str]:
        """Names of the features in the order the logistic regression sees them.

        Returns
        -------
        names : list of str
            ``'<band>'`` and ``'log_amplitude'`` (prefixed ``'ch<i>_'`` with
            ``pooling='channel'``).
        """
        check_is_fitted(self)
        base = [*BAND_NAMES, "log_amplitude"]
        if self.pooling != "channel":
            return base
        return [f"ch{c}_{name}" for c in range(self.n_chans_in_) for name in base]
