"""Forecasting baselines: the history mean, the last patch repeated, ridge autoregressions
fitted on the fit windows or on each history itself."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..metrics import mae
from ..utils._tags import _ThreeDMixin
from ._ar import bic, fit_each, lag_moments, recursion, solve, stable
from ._base import _check_windows


class _BaseForecaster(_ThreeDMixin, RegressorMixin, BaseEstimator):
    """Shared fit/predict/score: windows (n, C, T) in, (n, C, horizon * patch_len) out."""

    _parameter_constraints: dict = {
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "patch_len": [Interval(Integral, 1, None, closed="left")],
    }
    _per_channel = False

    def _min_times(self) -> int:
        return self.patch_len

    def _check_y(self, X: np.ndarray, y: Any) -> np.ndarray | None:
        if y is None:
            return None
        y = _check_windows(self, y, reset=False, match_chans=False, name="y")
        if y.shape[:2] != X.shape[:2]:
            raise ValueError(
                f"y must hold the future of each window of X, shape ({X.shape[0]}, {X.shape[1]}, "
                f"horizon_samples), got {y.shape}."
            )
        return y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> _BaseForecaster:
        """Check the windows (and learn from them and their futures ``y``, when given).

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            History windows.
        y : array-like of shape (n_windows, n_chans, horizon_samples) or None
            The signal that follows each window.

        Returns
        -------
        self : object
            The fitted forecaster.
        """
        return self._fit_checked(X, y)

    def _fit_checked(self, X: Any, y: Any, **fit_params: Any) -> _BaseForecaster:
        Xc = _check_windows(self, X, reset=False, match_chans=False, min_times=self._min_times())
        yc = self._check_y(Xc, y)
        self._fit(Xc, yc, **fit_params)
        self.n_chans_in_ = Xc.shape[1]
        return self

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        """Learn from checked input; override."""

    def predict(self, X: Any) -> np.ndarray:
        """Forecast the ``horizon * patch_len`` samples after each window.

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            History windows.

        Returns
        -------
        y_pred : ndarray of shape (n_windows, n_chans, horizon * patch_len)
            The forecasts.
        """
        check_is_fitted(self)
        X = _check_windows(self, X, reset=False, match_chans=self._per_channel,
                           min_times=self._min_times())
        return self._predict(X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Negative mean absolute error of the forecasts (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_windows, n_chans, n_times)
            History windows.
        y : array-like of shape (n_windows, n_chans, horizon * patch_len)
            True futures.
        sample_weight : None
            Not supported; present for scikit-learn's signature.

        Returns
        -------
        score : float
            ``-mae(y, predict(X))``.
        """
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by forecaster scores; pass None.")
        return -mae(y, self.predict(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.target_tags.multi_output = True
        return tags


class MeanForecaster(_BaseForecaster):
    """Forecast each channel's history mean: the best constant forecast, zero after scaling.

    Far ahead, the best forecast of a noisy signal in squared error is its mean; a
    forecaster that does worse than this over a long horizon adds noise. ``fit`` learns
    nothing; each window's forecast is the mean of its own history, per channel.

    Parameters
    ----------
    horizon : int, default=2
        Forecast length in patches.
    patch_len : int, default=1500
        Samples per patch.

    Attributes
    ----------
    n_chans_in_ : int
        Number of channels seen during fit (any count is accepted by predict).

    See Also
    --------
    ARForecaster : A ridge autoregression, which decays to the mean far ahead.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import MeanForecaster
    >>> X = np.array([[[1.0, 2.0, 3.0, 6.0]]])
    >>> MeanForecaster(horizon=1, patch_len=3).fit(X).predict(X)
    array([[[3., 3., 3.]]])
    """

    def __init__(self, horizon: int = 2, *, patch_len: int = 1500) -> None:
        self.horizon = horizon
        self.patch_len = patch_len

    def _min_times(self) -> int:
        return 1

    def _predict(self, X: np.ndarray) -> np.ndarray:
        mean = X.mean(axis=-1, keepdims=True)
        return np.repeat(mean, self.horizon * self.patch_len, axis=-1)


class RepeatLastForecaster(_BaseForecaster):
    """Seasonal-naive forecast: the last patch of each window, repeated.

    The simplest forecaster a learned one must beat: every channel's last
    ``patch_len`` samples are tiled ``horizon`` times. ``fit`` learns nothing.

    Parameters
    ----------
    horizon : int, default=2
        Forecast length in patches (2 = the paper's short horizon of 12 s; 20 = long).
    patch_len : int, default=1500
        Samples per patch (6 s at 250 Hz), also the season that is repeated.

    Attributes
    ----------
    n_chans_in_ : int
        Number of channels seen during fit.

    See Also
    --------
    ARForecaster : A ridge autoregression per channel.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import RepeatLastForecaster
    >>> X = np.arange(12.0).reshape(1, 2, 6)
    >>> RepeatLastForecaster(horizon=2, patch_len=2).fit(X).predict(X)
    array([[[ 4.,  5.,  4.,  5.],
            [10., 11., 10., 11.]]])
    """

    def __init__(self, horizon: int = 2, *, patch_len: int = 1500) -> None:
        self.horizon = horizon
        self.patch_len = patch_len

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return np.tile(X[..., -self.patch_len:], self.horizon)


class ARForecaster(_BaseForecaster):
    """Autoregressive forecast: ridge regression of each sample on its ``order`` lags.

    Each window is centred on the mean of its history (``y``, appended to its window
    when given, by the same mean). The coefficients minimise
    ``sum (x_t - b0 - sum_k b_k x_{t-k})^2 + alpha * |b|^2`` over every sample of every
    centred training window: the solution of :class:`sklearn.linear_model.Ridge` on the
    lag matrix, computed from its Gram matrix so the lag matrix is never built. The
    forecast runs the recursion ``horizon * patch_len`` steps ahead on the centred
    history and adds its mean back: far ahead it decays to the history mean, the best
    constant forecast, whatever the level of the fit data. A least-squares root outside
    the unit circle is pulled onto it, so the recursion cannot grow.

    Parameters
    ----------
    order : int or 'auto', default=10
        Number of lags. ``'auto'`` chooses it on the fit data by the Bayesian
        information criterion, ``n log(RSS / n) + p log(n)``, among 1 to ``max_order``
        (one order for all channels; every order is scored on the same targets).
    horizon : int, default=2
        Forecast length in patches.
    alpha : float, default=1.0
        Ridge penalty (in squared signal units); 0 is ordinary least squares.
    patch_len : int, default=1500
        Samples per patch.
    per_channel : bool, default=True
        One model per channel (channels must match at predict). ``False`` pools
        all channels into one model that forecasts any channel count, as needed
        across patients with different implants.
    max_order : int, default=30
        Largest order tried when ``order='auto'``.

    Attributes
    ----------
    order_ : int
        The number of lags used (``order``, or the one chosen by BIC).
    coef_ : ndarray of shape (n_chans, ``order_``) or (1, ``order_``)
        ``coef_[c, k]`` weighs lag ``k + 1``.
    intercept_ : ndarray of shape (n_chans,) or (1,)
        The constant term.
    n_chans_in_ : int
        Number of channels seen during fit.

    See Also
    --------
    RepeatLastForecaster : Repeat the last patch.
    MeanForecaster : The history mean.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import ARForecaster
    >>> t = np.arange(400) / 250.0
    >>> X = np.sin(2 * np.pi * 5.0 * t)[None, None, :300]
    >>> ar = ARForecaster(order=2, horizon=1, patch_len=100, alpha=0.0).fit(X)
    >>> bool(np.allclose(ar.predict(X)[0, 0], np.sin(2 * np.pi * 5.0 * t[300:])))
    True
    >>> from scipy.signal import lfilter
    >>> ar2 = lfilter([1.0], [1.0, -1.2, 0.5], np.random.default_rng(0).normal(size=(1, 1, 3000)))
    >>> ARForecaster(order="auto", horizon=1, patch_len=100, max_order=8).fit(ar2).order_
    2
    """

    _parameter_constraints: dict = {
        **_BaseForecaster._parameter_constraints,
        "order": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "per_channel": ["boolean"],
        "max_order": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, order: int | str = 10, horizon: int = 2, *, alpha: float = 1.0,
                 patch_len: int = 1500, per_channel: bool = True, max_order: int = 30) -> None:
        self.order = order
        self.horizon = horizon
        self.alpha = alpha
        self.patch_len = patch_len
        self.per_channel = per_channel
        self.max_order = max_order

    @property
    def _per_channel(self) -> bool:  # channel count fixed only for per-channel models
        return self.per_channel

    def _min_times(self) -> int:
        return (self.max_order if self.order == "auto" else self.order) + 1

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        series = X if y is None else np.concatenate([X, y], axis=-1)
        # each window on its history mean (summed in float64, subtracted in X's dtype)
        series = series - X.mean(axis=-1, keepdims=True, dtype=np.float64).astype(series.dtype)
        p = self.max_order if self.order == "auto" else self.order
        cov, means, n = lag_moments(series, p, self.per_channel)
        self.order_ = p if self.order != "auto" else min(
            range(1, p + 1), key=lambda q: float(bic(cov, q, self.alpha, n).sum()))
        q = self.order_
        self.coef_ = stable(solve(cov, q, self.alpha))
        self.intercept_ = means[:, 0] - (self.coef_ * means[:, 1:q + 1]).sum(axis=-1)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        mean = X.mean(axis=-1, keepdims=True)
        return mean + self._recursion(X - mean)

    def _recursion(self, X: np.ndarray) -> np.ndarray:
        """The recursion run ``horizon * patch_len`` steps on (already centred) windows."""
        return recursion(X, self.coef_, self.intercept_, self.horizon * self.patch_len)


class HistoryARForecaster(_BaseForecaster):
    """An autoregression fitted on each history itself, at predict time.

    What a user fits first on the recording at hand: for every window, the ridge
    autoregression of :class:`ARForecaster` (order by BIC, among 1 to ``max_order``)
    fitted on that window's own history, centred on its mean, then run ahead; far ahead
    it decays to the history mean. Nothing is learned from the fit windows, so it
    follows each history's own rhythm (a seizure discharge, another recording) where an
    autoregression fitted on other windows averages over them. Each window's forecast
    depends on that window only.

    Parameters
    ----------
    horizon : int, default=2
        Forecast length in patches.
    patch_len : int, default=1500
        Samples per patch.
    max_order : int, default=20
        Largest order tried.
    alpha : float, default=1.0
        Ridge penalty, in units of each history's variance, so that the forecast does
        not depend on the units of X.
    per_channel : bool, default=False
        One model per channel of each window; ``False``: one per window, pooled over
        its channels (fewer coefficients to estimate from one history).

    Attributes
    ----------
    n_chans_in_ : int
        Number of channels seen during fit (any count is accepted by predict).

    See Also
    --------
    ARForecaster : One autoregression fitted on the fit windows.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import HistoryARForecaster
    >>> t = np.arange(800) / 250.0
    >>> X = np.stack([np.sin(2 * np.pi * f * t) for f in (5.0, 11.0)])[:, None]  # 2 windows
    >>> fc = HistoryARForecaster(horizon=1, patch_len=100).fit(X[..., :700])
    >>> float(np.abs(fc.predict(X[..., :700]) - X[..., 700:]).max()) < 0.01  # each continued
    True
    """

    _parameter_constraints: dict = {
        **_BaseForecaster._parameter_constraints,
        "max_order": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "per_channel": ["boolean"],
    }

    def __init__(self, horizon: int = 2, *, patch_len: int = 1500, max_order: int = 20,
                 alpha: float = 1.0, per_channel: bool = False) -> None:
        self.horizon = horizon
        self.patch_len = patch_len
        self.max_order = max_order
        self.alpha = alpha
        self.per_channel = per_channel

    def _min_times(self) -> int:
        return self.max_order + 1

    def _predict(self, X: np.ndarray) -> np.ndarray:
        mean = X.mean(axis=-1, keepdims=True, dtype=np.float64)
        centred = X - mean
        p = self.max_order
        cov, means, n = lag_moments(centred, p, self.per_channel, per_window=True)
        alpha = self.alpha * cov[:, 0, 0] / n  # in units of each model's variance
        coef, _ = fit_each(cov, p, alpha, n)
        intercept = means[:, 0] - (coef * means[:, 1:]).sum(axis=-1)
        shape = (len(X), -1)  # (n, C) or (n, 1) models
        return mean + recursion(centred, coef.reshape(shape + (p,)), intercept.reshape(shape),
                                self.horizon * self.patch_len)
