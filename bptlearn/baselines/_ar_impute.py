"""Autoregressive interpolation: fill gaps by the AR model, forward and backward in time,
fitted on the fit windows or on each window filled."""

from __future__ import annotations

import warnings
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.linalg import solve_banded, solveh_banded
from sklearn.utils._param_validation import Interval, StrOptions

from ._ar import fit_each, lag_moments
from ._base import evenly_spaced, one_blas_thread
from ._forecast import ARForecaster
from ._impute import _BaseImputer

_MAX_FIT_ROWS = 256  # channels of windows the AR is fitted on: plenty for <= 30 coefficients
_RIDGE = 1e-8  # relative diagonal load: keeps the system solvable at the window edges
_MIN_RUNS = 10  # complete runs per coefficient a window's own autoregression needs


@lru_cache(maxsize=8)
def _error_gram(coef: tuple[float, ...], n_times: int) -> sparse.csr_matrix:
    """``A.T @ A`` for the forward and backward one-step prediction errors ``A @ x`` of an
    AR model with lag coefficients ``coef`` over ``n_times`` samples (banded, width p)."""
    p = len(coef)
    filt = np.r_[1.0, -np.asarray(coef)]  # e_t = x_t - sum_k b_k x_{t-k}
    n_rows = max(n_times - p, 0)
    if n_rows == 0:
        return sparse.csr_matrix((n_times, n_times))
    rows = np.repeat(np.arange(n_rows), p + 1)
    # forward rows: sample t = r + p and its lags; backward rows: sample t = r and its leads
    fwd = sparse.csr_matrix((np.tile(filt, n_rows), (rows, (np.arange(n_rows)[:, None] + p
                             - np.arange(p + 1)).ravel())), shape=(n_rows, n_times))
    bwd = sparse.csr_matrix((np.tile(filt, n_rows), (rows, (np.arange(n_rows)[:, None]
                             + np.arange(p + 1)).ravel())), shape=(n_rows, n_times))
    return (fwd.T @ fwd + bwd.T @ bwd).tocsr()


@lru_cache(maxsize=8)
def _error_band(coef: tuple[float, ...], n_times: int) -> np.ndarray:
    """The upper diagonals of :func:`_error_gram`, (p + 1, n_times): ``band[d, t]`` is
    its entry ``(t, t + d)``."""
    gram, band = _error_gram(coef, n_times), np.zeros((len(coef) + 1, n_times))
    for d in range(len(band)):
        band[d, :n_times - d] = gram.diagonal(d)
    return band


def _solve_holes(band: np.ndarray, gram: sparse.csr_matrix, x0: np.ndarray, hole: np.ndarray,
                 load: float) -> np.ndarray:
    """The samples ``hole`` (sorted) of a signal that minimise the squared prediction
    errors ``x @ gram @ x`` (plus ``load`` times their squares), the others fixed at
    ``x0``'s. Two unknowns interact only within p samples of each other, so their
    system is banded, (p + 1) wide in its own order: a banded Cholesky solve."""
    p = len(band) - 1
    q = min(p, hole.size - 1)  # upper diagonals of the system
    left = np.arange(hole.size) - np.arange(q, -1, -1)[:, None]  # (q + 1, n): j - k
    d = hole - hole[np.maximum(left, 0)]  # distance of unknowns j - k and j
    near = (left >= 0) & (d <= p)
    # upper form: ab[q - k, j] = A[j - k, j]
    ab = np.where(near, band[np.minimum(d, p), hole[np.maximum(left, 0)]], 0.0)
    ab[q] += load
    rhs = -(gram @ x0)[hole]
    try:
        return solveh_banded(ab, rhs, check_finite=False)
    except np.linalg.LinAlgError:  # not positive definite in floating point: LU
        full = np.zeros((2 * q + 1, hole.size))
        full[:q + 1] = ab
        for k in range(1, q + 1):  # the lower diagonals mirror the upper ones
            full[q + k, :hole.size - k] = ab[q - k, k:]
        return solve_banded((q, q), full, rhs, check_finite=False)


def _ar_fill(X: np.ndarray, missing: np.ndarray, coef: np.ndarray, orders: np.ndarray,
             empty_fill: np.ndarray) -> np.ndarray:
    """Fill each channel of each window (n, C, T) by least-squares AR interpolation with
    its own lag coefficients ``coef[w, c, :orders[w, c]]`` around the mean of its observed
    samples; a channel with none observed gets ``empty_fill[c]``."""
    out = np.where(missing, 0.0, X).astype(np.float64)
    empty = missing.all(axis=-1)
    with one_blas_thread():
        for w, c in zip(*np.nonzero(missing.any(axis=-1) & ~empty), strict=True):
            lags = tuple(coef[w, c, :orders[w, c]].tolist())
            load = _RIDGE * (1.0 + float(np.dot(lags, lags)))
            hole = np.flatnonzero(missing[w, c])
            centre = out[w, c][~missing[w, c]].mean()
            x0 = np.where(missing[w, c], 0.0, out[w, c] - centre)
            out[w, c, hole] = centre + _solve_holes(
                _error_band(lags, X.shape[-1]), _error_gram(lags, X.shape[-1]), x0, hole, load)
    out[empty] = np.broadcast_to(empty_fill, empty.shape)[empty][:, None]
    return out.astype(X.dtype, copy=False)


class _ARInterpolation(_BaseImputer):
    """Parameters, their checks and the fill of empty channels of the AR imputers."""

    _parameter_constraints: dict = {
        "order": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_order": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, order: int | str = "auto", *, max_order: int = 20,
                 alpha: float = 1.0) -> None:
        self.order = order
        self.max_order = max_order
        self.alpha = alpha

    def _empty_fill(self, X: np.ndarray) -> np.ndarray:
        """The fill of a channel with nothing observed in its window: its mean over the fit
        data (0 when the channel counts of fit and transform differ)."""
        return self.mean_ if X.shape[1] == self.n_chans_in_ else np.zeros(X.shape[1])


class ARImputer(_ARInterpolation):
    """Fill missing samples by least-squares autoregressive interpolation.

    The classical gap filler for signals that an autoregression describes (Janssen,
    Veldhuis and Vries, IEEE Trans. ASSP 34(2), 1986): ``fit`` learns one AR model for
    all channels (:class:`ARForecaster`, pooled, order by BIC) on the fit windows, each
    channel of each window centred and scaled to unit variance (windows of every
    amplitude weigh alike, and rescaling windows does not change the fit). ``transform``
    centres each channel of each window on the mean of its observed samples and chooses
    the missing samples that minimise the squared one-step prediction errors of that
    model, run forward and backward in time (one sparse banded linear system per
    channel). A gap is thus filled by the rhythm
    continued from both of its edges, relaxing to the channel's mean in the middle of a
    long gap: linear interpolation near dense observations, the channel mean far from
    them, and better than both in between. A channel with no observed sample in its
    window gets its mean over the fit data (``mean_``; 0 when the channel counts of fit
    and transform differ).

    Parameters
    ----------
    order : int or 'auto', default='auto'
        Number of lags, or chosen by BIC among 1 to ``max_order``.
    max_order : int, default=20
        Largest order tried with ``order='auto'`` (capped at half the window length).
    alpha : float, default=1.0
        Ridge penalty of the AR fit (on signals scaled to unit variance).

    Attributes
    ----------
    order_ : int
        The number of lags used.
    coef_ : ndarray of shape (``order_``,)
        ``coef_[k]`` weighs lag ``k + 1``.
    mean_ : ndarray of shape (n_chans,)
        Mean of each channel's observed samples in the fit data.
    n_chans_in_ : int
        Number of channels seen during fit (any count is accepted by transform).

    See Also
    --------
    InterpolationImputer : Linear, cubic or spline interpolation.
    ChannelMeanImputer : The channel mean.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import ARImputer, InterpolationImputer
    >>> t = np.arange(2000) / 250.0
    >>> X = np.sin(2 * np.pi * 7.0 * t)[None, None]  # a 7-Hz rhythm
    >>> gap = np.zeros(X.shape, dtype=bool); gap[..., 1000:1100] = True  # 0.4 s missing
    >>> ar = ARImputer().fit(X)
    >>> err = {name: float(np.mean((imp.transform(X, mask=gap) - X)[gap] ** 2))
    ...        for name, imp in [("AR", ar), ("linear", InterpolationImputer().fit(X))]}
    >>> err["AR"] < 1e-3 < 0.1 < err["linear"]
    True
    """

    def _fit(self, X: np.ndarray) -> dict:
        T = X.shape[-1]
        rows = X.reshape(-1, 1, T)
        rows = rows[np.isfinite(rows).all(axis=-1)[:, 0]]
        max_order = min(self.max_order, T // 2)
        if len(rows) == 0 or max_order < 1:
            raise ValueError(
                f"ARImputer learns its autoregression from complete channels of X, but X "
                f"({X.shape}) has {len(rows)} channel(s) without NaN and {T} samples per "
                "window (at least 2 needed). Pass complete windows to fit.")
        rows = rows[evenly_spaced(len(rows), _MAX_FIT_ROWS)]
        order = self.order if self.order == "auto" else min(self.order, max_order)
        ar = ARForecaster(order=order, max_order=max_order, alpha=self.alpha, horizon=1,
                          patch_len=1, per_channel=False)
        rows = rows - rows.mean(axis=-1, keepdims=True)
        ar.fit(rows / np.maximum(rows.std(axis=-1, keepdims=True), 1e-12))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channel: mean 0
            mean = np.nan_to_num(np.nanmean(X, axis=(0, 2)))
        return {"order_": ar.order_, "coef_": ar.coef_[0].copy(), "mean_": mean}

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        coef = np.broadcast_to(self.coef_, X.shape[:2] + self.coef_.shape)
        return _ar_fill(X, missing, coef, np.full(X.shape[:2], self.order_), self._empty_fill(X))


class WindowARImputer(_ARInterpolation):
    """Fill missing samples by AR interpolation fitted on each window's own observed samples.

    What a user fits first on the recording at hand: for every window, when ``transform``
    runs, the ridge autoregression of :class:`ARImputer` (order by BIC, among 1 to
    ``max_order``) is fitted on the window's observed samples (the runs of ``order + 1``
    consecutive observed samples, pooled over the window's channels, each centred on the
    mean of its observed samples), and its missing
    samples are filled by least-squares interpolation with it, as :class:`ARImputer`
    fills them with one autoregression fitted on the fit windows. It follows each
    window's own rhythm (another recording, a seizure discharge) where one fitted
    autoregression averages over windows. It suits gaps and whole patches; a window
    whose scattered missing samples leave fewer than ``10 * (max_order + 1)`` complete
    runs gets the mean of its observed samples. Each window's fill depends on that
    window only.

    Parameters
    ----------
    order : int or 'auto', default='auto'
        Number of lags, or chosen by BIC for each window among 1 to ``max_order``.
    max_order : int, default=20
        Largest order tried with ``order='auto'`` (capped at half the window length).
    alpha : float, default=1.0
        Ridge penalty, in units of each window's variance, so that the fill does not
        depend on the units of X.
    per_channel : bool, default=False
        One model per channel of each window; ``False``: one per window, pooled over its
        channels (fewer coefficients to estimate from one window).

    Attributes
    ----------
    mean_ : ndarray of shape (n_chans,)
        Mean of each channel's observed samples in the fit data: the fill of a channel
        with no observed sample in its window.
    n_chans_in_ : int
        Number of channels seen during fit (any count is accepted by transform).

    See Also
    --------
    ARImputer : One autoregression fitted on the fit windows.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import WindowARImputer
    >>> t = np.arange(2000) / 250.0
    >>> X = np.stack([np.sin(2 * np.pi * f * t) for f in (5.0, 11.0)])[:, None]  # 2 windows
    >>> gap = np.zeros(X.shape, dtype=bool); gap[..., 1000:1100] = True  # 0.4 s missing
    >>> filled = WindowARImputer().fit(X).transform(X, mask=gap)
    >>> float(np.abs(filled - X).max()) < 0.01  # each window's rhythm continued
    True
    """

    _parameter_constraints: dict = {**_ARInterpolation._parameter_constraints,
                                    "per_channel": ["boolean"]}

    def __init__(self, order: int | str = "auto", *, max_order: int = 20, alpha: float = 1.0,
                 per_channel: bool = False) -> None:
        super().__init__(order, max_order=max_order, alpha=alpha)
        self.per_channel = per_channel

    def _fit(self, X: np.ndarray) -> dict:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN channel: mean 0
            return {"mean_": np.nan_to_num(np.nanmean(X, axis=(0, 2)))}

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        n, C, T = X.shape
        p = max(1, min(self.max_order if self.order == "auto" else self.order, T // 2))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # nothing observed: centre 0
            centre = np.nan_to_num(np.nanmean(np.where(missing, np.nan, X), axis=-1,
                                              keepdims=True, dtype=np.float64))
        cov, _, count = lag_moments(X - centre, p, self.per_channel, per_window=True,
                                    observed=~missing)
        ok = count >= _MIN_RUNS * (p + 1)  # else: the window's mean (order 0)
        alpha = self.alpha * cov[ok, 0, 0] / count[ok]  # in units of each model's variance
        orders, coef = np.zeros(len(cov), dtype=int), np.zeros((len(cov), p))
        coef[ok], orders[ok] = fit_each(cov[ok], p, alpha, count[ok], self.order == "auto")
        shape = (n, C if self.per_channel else 1)
        return _ar_fill(X, missing, np.broadcast_to(coef.reshape(shape + (p,)), (n, C, p)),
                        np.broadcast_to(orders.reshape(shape), (n, C)), self._empty_fill(X))
