"""Imputation baselines: interpolation along time and the channel mean (the other
channels: ``_channel_mixing``)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..exceptions import BPTWarning
from ..utils._tags import _ThreeDMixin
from ._base import _check_windows

logger = logging.getLogger(__name__)
KINDS = ("linear", "cubic", "spline")  # InterpolationImputer's kinds of interpolation


def _fill_row(x: np.ndarray, missing: np.ndarray, kind: str) -> np.ndarray:
    """Interpolated values at the missing samples of one 1-D signal with >= 1 observed sample."""
    t = np.arange(x.size)
    t_obs, t_mis = t[~missing], t[missing]
    values = np.interp(t_mis, t_obs, x[~missing])  # holds the edge values outside the data
    if kind != "linear" and t_obs.size >= 4:
        inside = (t_mis > t_obs[0]) & (t_mis < t_obs[-1])
        interpolator = PchipInterpolator if kind == "cubic" else CubicSpline
        values[inside] = interpolator(t_obs, x[~missing])(t_mis[inside])
    return values


class _BaseImputer(_ThreeDMixin, TransformerMixin, BaseEstimator):
    """Shared fit/transform: NaNs and ``mask`` mark the samples to fill; others come back
    bit-identical. Subclasses implement ``_fit(X)`` (X complete where finite) and
    ``_fill(X, missing) -> filled copy``."""

    _parameter_constraints: dict = {}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> _BaseImputer:
        """Check the parameters and the windows, and learn what the imputer needs.

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
        return self._fit_checked(X)

    def _fit_checked(self, X: Any, **fit_params: Any) -> _BaseImputer:
        X = _check_windows(self, X, reset=False, match_chans=False, allow_nan=True)
        state = self._fit(X, **fit_params)
        vars(self).update(state, n_chans_in_=X.shape[1])
        return self

    def _fit(self, X: np.ndarray) -> dict:
        return {}

    _same_chans = False

    def transform(self, X: Any, mask: Any = None) -> np.ndarray:
        """Return a copy of ``X`` with its missing samples filled.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            Windows, NaN where samples are missing.
        mask : array-like of bool of X's shape, default=None
            ``True`` marks further samples to fill (their values in ``X`` are ignored).

        Returns
        -------
        X_filled : ndarray of X's shape
            Observed samples unchanged, missing ones filled; same float dtype.
        """
        check_is_fitted(self)
        X = _check_windows(self, X, reset=False, match_chans=self._same_chans, allow_nan=True)
        missing = np.isnan(X)
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != X.shape or not (mask.dtype == bool or np.isin(mask, (0, 1)).all()):
                raise ValueError(
                    f"mask must be a boolean array of X's shape {X.shape} (True = missing), got "
                    f"shape {mask.shape} and dtype {mask.dtype}."
                )
            missing = missing | mask.astype(bool)
        out = self._fill(X, missing)
        out[~missing] = X[~missing]  # observed samples bit-identical, whatever _fill did
        logger.debug("Filled %d samples (%s).", int(missing.sum()), type(self).__name__)
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
            Observed samples unchanged, missing ones filled.
        """
        return self.fit(X).transform(X, mask=mask)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


def _interpolate(X: np.ndarray, missing: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Interpolated copy of X, and the (n, C) rows without any observed sample (left NaN)."""
    out = np.where(missing, np.nan, X)
    empty = missing.all(axis=-1)
    for w, c in zip(*np.nonzero(missing.any(axis=-1) & ~empty), strict=True):
        out[w, c, missing[w, c]] = _fill_row(X[w, c], missing[w, c], kind)
    return out, empty


class InterpolationImputer(_BaseImputer):
    """Fill missing samples by linear, cubic (PCHIP) or spline interpolation along time.

    The baseline for Brant's imputation task: each channel of each window is
    interpolated from its own observed samples. Missing samples are the NaNs of
    ``X`` and, when given, the ``True`` entries of ``mask`` (the paper zeroes
    masked samples instead of marking them NaN). Observed samples are returned
    bit-for-bit unchanged.

    Parameters
    ----------
    kind : {'linear', 'cubic', 'spline'}, default='linear'
        Piecewise-linear (:func:`numpy.interp`), shape-preserving piecewise-cubic
        (:class:`scipy.interpolate.PchipInterpolator`, no overshoot in long gaps) or
        cubic-spline (:class:`scipy.interpolate.CubicSpline`) interpolation. Before the
        first and after the last observed sample the nearest observed value is held (no
        extrapolation); 'cubic' and 'spline' fall back to linear for signals with fewer
        than 4 observed samples. A channel with no observed sample is filled with 0
        (the mean of a normalised signal), with a warning: use
        :class:`ChannelRegressionImputer` or :class:`ChannelMeanImputer` for those.

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

    _parameter_constraints: dict = {"kind": [StrOptions(set(KINDS))]}

    def __init__(self, kind: str = "linear") -> None:
        self.kind = kind

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        out, empty = _interpolate(X, missing, self.kind)
        out[empty] = 0.0
        if empty.any():
            warnings.warn(
                f"{int(empty.sum())} channel(s) had no observed sample in their window and "
                "were filled with 0; use ChannelRegressionImputer (the other channels) or "
                "ChannelMeanImputer, or drop those channels.", BPTWarning, stacklevel=3,
            )
        return out


class ChannelMeanImputer(_BaseImputer):
    """Fill missing samples with the mean of the channel's observed samples in the window.

    The best constant: where interpolation has nothing near to draw from (long gaps), a
    channel's mean is often the better guess. A channel with no observed sample in its
    window gets its mean over the fit data (``mean_``; 0 when the channel counts of fit
    and transform differ).

    Attributes
    ----------
    mean_ : ndarray of shape (n_chans,)
        Mean of each channel's observed samples in the fit data.
    n_chans_in_ : int
        Number of channels seen during fit.

    See Also
    --------
    ChannelRegressionImputer : Each channel from the other channels.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import ChannelMeanImputer
    >>> X = np.array([[[1.0, np.nan, 5.0], [np.nan, np.nan, np.nan]]])
    >>> ChannelMeanImputer().fit(np.ones((1, 2, 3))).transform(X)
    array([[[1., 3., 5.],
            [1., 1., 1.]]])
    """

    def __init__(self) -> None:
        pass

    def _fit(self, X: np.ndarray) -> dict:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channel: mean 0
            return {"mean_": np.nan_to_num(np.nanmean(X, axis=(0, 2)))}

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        observed = np.where(missing, np.nan, X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(observed, axis=-1, keepdims=True)
        fallback = self.mean_ if X.shape[1] == self.n_chans_in_ else np.zeros(X.shape[1])
        mean = np.where(np.isnan(mean), fallback[:, None], mean)
        return np.broadcast_to(mean, X.shape).astype(X.dtype)


class _BlendImputer(_BaseImputer):
    """A fixed linear blend of fitted imputers around an ``anchor`` imputer:
    ``anchor + sum_k weights[k] * (fill_k - anchor)`` (``anchor=None``: 0), built by
    :class:`BestBaselineImputer` with ``blend=True`` around the channel mean, the weights
    fitted on held-back hidden samples. Anchored on the channel mean, the blend moves
    with a window's offset as every candidate does: the weight the candidates leave goes
    to the window's own mean, not to 0."""

    def __init__(self, parts: dict | None = None, weights: dict | None = None,
                 anchor: Any = None) -> None:
        self.parts = parts
        self.weights = weights
        self.anchor = anchor

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        base = (np.zeros(X.shape) if self.anchor is None
                else self.anchor.transform(X, mask=missing).astype(float))
        out = base.copy()
        for name, weight in self.weights.items():
            out += weight * (self.parts[name].transform(X, mask=missing) - base)
        return out.astype(X.dtype, copy=False)
