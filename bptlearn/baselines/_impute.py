"""Imputation baseline: interpolate missing samples along time."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
from scipy.interpolate import CubicSpline
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..exceptions import BPTWarning
from ..utils._tags import _ThreeDMixin
from ._base import _check_windows

logger = logging.getLogger(__name__)


def _fill_row(x: np.ndarray, missing: np.ndarray, kind: str) -> np.ndarray:
    """Interpolated values at the missing samples of one 1-D signal with >= 1 observed sample."""
    t = np.arange(x.size)
    t_obs, t_mis = t[~missing], t[missing]
    values = np.interp(t_mis, t_obs, x[~missing])  # holds the edge values outside the data
    if kind == "cubic" and t_obs.size >= 4:
        inside = (t_mis > t_obs[0]) & (t_mis < t_obs[-1])
        values[inside] = CubicSpline(t_obs, x[~missing])(t_mis[inside])
    return values


class InterpolationImputer(_ThreeDMixin, TransformerMixin, BaseEstimator):
    """Fill missing samples by linear or cubic interpolation along time.

    The baseline for Brant's imputation task: each channel of each window is
    interpolated from its own observed samples. Missing samples are the NaNs of
    ``X`` and, when given, the ``True`` entries of ``mask`` (the paper zeroes
    masked samples instead of marking them NaN). Observed samples are returned
    bit-for-bit unchanged.

    Parameters
    ----------
    kind : {'linear', 'cubic'}, default='linear'
        Piecewise-linear (:func:`numpy.interp`) or cubic-spline
        (:class:`scipy.interpolate.CubicSpline`) interpolation. Before the first and
        after the last observed sample the nearest observed value is held (no
        extrapolation); cubic falls back to linear for signals with fewer than 4
        observed samples. A channel with no observed sample is filled with 0 (the
        mean of a normalised signal), with a warning.

    Attributes
    ----------
    n_chans_in_ : int
        Number of channels seen during fit (any count is accepted by transform).

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import InterpolationImputer
    >>> X = np.array([[[1.0, np.nan, 3.0, 0.0, 5.0]]])  # a NaN, and a zeroed sample
    >>> InterpolationImputer().fit_transform(X, mask=X == 0.0)
    array([[[1., 2., 3., 4., 5.]]])
    """

    _parameter_constraints: dict = {"kind": [StrOptions({"linear", "cubic"})]}

    def __init__(self, kind: str = "linear") -> None:
        self.kind = kind

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> InterpolationImputer:
        """Check the parameters and the windows; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows, NaN where samples are missing.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted imputer.
        """
        _check_windows(self, X, reset=True, allow_nan=True)
        return self

    def transform(self, X: Any, mask: Any = None) -> np.ndarray:
        """Return a copy of ``X`` with its missing samples interpolated.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows, NaN where samples are missing.
        mask : array-like of bool of X's shape, default=None
            ``True`` marks further samples to fill (their values in ``X`` are ignored).

        Returns
        -------
        X_filled : ndarray of X's shape
            Observed samples unchanged, missing ones interpolated; same float dtype.
        """
        check_is_fitted(self)
        X = _check_windows(self, X, reset=False, match_chans=False, allow_nan=True)
        missing = np.isnan(X)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != X.shape or not (mask.dtype == bool or np.isin(mask, (0, 1)).all()):
                raise ValueError(
                    f"mask must be a boolean array of X's shape {X.shape} (True = missing), got "
                    f"shape {mask.shape} and dtype {mask.dtype}."
                )
            missing = missing | mask.astype(bool)
        out = X.copy()
        empty = 0
        for w, c in zip(*np.nonzero(missing.any(axis=-1)), strict=True):
            if missing[w, c].all():
                out[w, c] = 0.0
                empty += 1
            else:
                out[w, c, missing[w, c]] = _fill_row(X[w, c], missing[w, c], self.kind)
        if empty:
            warnings.warn(
                f"{empty} channel(s) had no observed sample in their window and were filled with "
                "0; drop those channels (or windows) if 0 is not a meaningful value.",
                BPTWarning, stacklevel=2,
            )
        logger.debug("Interpolated %d samples (%s).", int(missing.sum()), self.kind)
        return out

    def fit_transform(self, X: Any, y: Any = None, mask: Any = None) -> np.ndarray:
        """Fit, then fill ``X``; see :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows, NaN where samples are missing.
        y : None
            Ignored.
        mask : array-like of bool of X's shape, default=None
            ``True`` marks further samples to fill.

        Returns
        -------
        X_filled : ndarray of X's shape
            Observed samples unchanged, missing ones interpolated.
        """
        return self.fit(X).transform(X, mask=mask)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags
