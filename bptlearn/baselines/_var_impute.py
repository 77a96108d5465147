"""Multichannel autoregressive interpolation: fill each channel's gaps from its own past
and future and from every other channel's, by a vector autoregression fitted on each
window."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.linalg import solveh_banded
from sklearn.utils._param_validation import Interval

from ._base import one_blas_thread
from ._channel_mixing import WINDOW_PRIOR, ChannelRegressionImputer
from ._impute import _BaseImputer

MAX_LAGGED = 128  # channels x lags one equation regresses on: bounds the memory and time
MAX_VAR_CHANS = 32  # BPTImputer tries the VAR up to this many channels (its checks fill many)


def fit_var(x: np.ndarray, order: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge VAR of one complete (C, T) signal: ``x_t = sum_k A_k x_{t-k} + e_t``. Returns
    the lag matrices ``A`` (order, C, C) and the innovations' covariance (C, C);
    ``alpha`` is the ridge in units of the lagged samples' mean variance."""
    C, T = x.shape
    lagged = np.concatenate([x[:, order - k:T - k] for k in range(1, order + 1)])  # (C*p, T-p)
    now = x[:, order:]  # (C, T - p)
    gram = lagged @ lagged.T
    gram[np.diag_indices_from(gram)] += alpha * np.trace(gram) / len(gram)
    coef = np.linalg.solve(gram, lagged @ now.T).T  # (C, C*p)
    errors = now - coef @ lagged
    return coef.reshape(C, order, C).transpose(1, 0, 2), errors @ errors.T / errors.shape[1]


def white_blocks(lags: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """(order + 1, C, C) blocks ``B_k`` of the VAR's whitened innovations,
    ``sum_k B_k @ x_{t-k}``: their squared norm is the innovations' Mahalanobis norm
    under ``cov``, the signal's negative log-likelihood up to a constant."""
    C = len(cov)
    cov = cov + 1e-6 * np.trace(cov) / C * np.eye(C)  # a channel the others explain fully
    white = np.linalg.cholesky(np.linalg.inv(cov)).T  # (C, C): white.T @ white = inv(cov)
    return np.concatenate([white[None], -white @ lags])


def _normal_band(blocks: np.ndarray, t: np.ndarray, c: np.ndarray, n_times: int
                 ) -> np.ndarray:
    """Upper band (width + 1, m) of the normal matrix of the unknowns at times ``t`` and
    channels ``c`` (sorted by time): ``N[i, j]`` sums ``(B_k1.T @ B_k2)[c_i, c_j]`` over the
    innovations both enter, at ``t_i + k1 = t_j + k2`` in ``[p, n_times)``. Within
    ``p`` samples of the window's edges fewer innovations count: prefix sums over
    ``k2`` give any run of them."""
    p, C = len(blocks) - 1, blocks.shape[1]
    cum = np.zeros((p + 1, p + 2, C, C))  # cum[d, j]: sum over k2 < j of B_{k2+d}.T B_k2
    for d in range(p + 1):
        pairs = np.einsum("kia,kib->kab", blocks[d:], blocks[:p + 1 - d])  # (p + 1 - d, C, C)
        cum[d, 1:p + 2 - d] = np.cumsum(pairs, axis=0)
    m = len(t)
    width = int(np.max(np.searchsorted(t, t + p, side="right") - 1 - np.arange(m)))
    band = np.zeros((width + 1, m))  # upper form: band[width + i - j, j] = N[i, j]
    for o in range(width + 1):
        i, j = np.arange(m - o), np.arange(o, m)
        d = t[j] - t[i]
        near = d <= p
        i, j, d = i[near], j[near], d[near]
        lo = np.maximum(0, p - t[j])  # the k2 of the innovations inside the window
        hi = np.minimum(p - d, n_times - 1 - t[j]) + 1
        band[width - o, j] = np.where(hi > lo, cum[d, np.maximum(hi, lo), c[i], c[j]]
                                      - cum[d, lo, c[i], c[j]], 0.0)
    return band


def var_fill(x: np.ndarray, missing: np.ndarray, order: int, alpha: float) -> np.ndarray:
    """``x`` (C, T), filled at its ``missing`` samples (a first fill there: the VAR is
    fitted on it), refilled there by the samples that make the VAR's whitened
    innovations smallest given the observed ones: least squares whose normal equations
    are banded in the unknowns' order, time first (a banded Cholesky solve)."""
    C, T = x.shape
    p, centre = order, x.mean(axis=1, keepdims=True)
    blocks = white_blocks(*fit_var(x - centre, order, alpha))  # (p + 1, C, C)
    seen = np.where(missing, 0.0, x - centre)
    known = sum(blocks[k] @ seen[:, p - k:T - k] for k in range(p + 1))  # (C, T - p)
    grad = np.zeros((C, T))  # the innovations' adjoint: sum_k B_k.T e_{t + k}
    for k in range(p + 1):
        grad[:, p - k:T - k] += blocks[k].T @ known
    t, c = np.nonzero(missing.T)  # the unknowns, time first
    out = x.copy()
    out[c, t] = solveh_banded(_normal_band(blocks, t, c, T), -grad[c, t],
                              check_finite=False) + centre[c, 0]
    return out


class VARImputer(_BaseImputer):
    """Fill missing samples by a multichannel autoregression fitted on each window.

    Every channel's missing samples are read from its own samples around them and from
    the other channels' samples before, at and after each instant: the samples that
    make the errors of a vector autoregression (VAR) smallest, weighed by the errors'
    covariance. This generalises :class:`WindowARImputer` (one channel's past and
    future) and the per-window :class:`ChannelRegressionImputer` (the other channels at
    the same instant) to both at once, and follows what neither sees: one
    channel leading another, as when activity spreads between contacts.

    When ``transform`` runs, each window with a missing sample is first filled by
    ``ChannelRegressionImputer(adapt='window', window_prior=window_prior)``. A ridge VAR
    of ``order`` lags is fitted on that window (each channel centred on its mean), and
    its missing samples are refilled by least squares under it. The first fill enters
    only the VAR's fit and centre. The normal equations are banded in time order (a
    banded Cholesky solve). The lags are capped so that one equation has at most 128
    regressors (``128 // n_chans`` lags, at least one): memory and time grow with the
    missing samples times ``n_chans * lags``. A window shorter than
    ``4 * (n_chans * lags + 1)`` samples keeps the first fill, as does a window without
    dynamics to fit (every channel flat).

    The VAR needs samples of a channel to learn its dynamics from. It suits gaps and
    missing patches; a channel missing from its whole window keeps close to the first
    fill, and scattered samples are filled better by interpolation.

    Parameters
    ----------
    order : int, default=10
        Lags of the VAR in samples (40 ms at 250 Hz).
    alpha : float, default=1e-4
        Ridge penalty, relative to the lagged samples' mean variance.
    window_prior : int or 'auto', default=1000
        The first fill's ``window_prior`` (:class:`ChannelRegressionImputer`).

    Attributes
    ----------
    start_ : ChannelRegressionImputer
        The first fill, ``adapt='window'``, fitted on the fit windows.
    n_chans_in_ : int
        Number of channels seen during fit; transform needs the same channels.

    See Also
    --------
    WindowARImputer : One channel's own autoregression on each window.
    ChannelRegressionImputer : The other channels at the same instant.

    Examples
    --------
    >>> import numpy as np
    >>> from bptlearn.baselines import ChannelRegressionImputer, VARImputer
    >>> rng = np.random.default_rng(0)
    >>> s = np.convolve(rng.normal(size=2000), np.ones(10) / 10, "same")
    >>> lagged = np.roll(s, 8) + rng.normal(scale=0.05, size=2000)  # follows by 8 samples
    >>> X = np.stack([s, lagged])[None]  # one window of 2 channels
    >>> gap = np.zeros(X.shape, dtype=bool); gap[0, 1, 1000:1100] = True  # 0.4 s missing
    >>> var = VARImputer().fit(X).transform(X, mask=gap)
    >>> same = ChannelRegressionImputer(adapt="window").fit(X).transform(X, mask=gap)
    >>> rms = lambda fill: float(np.sqrt(np.mean((fill - X)[gap] ** 2)))
    >>> rms(var) < 0.1 < 0.3 < rms(same)  # the VAR reads channel 0 eight samples back
    True
    """

    _parameter_constraints: dict = {"order": [Interval(Integral, 1, None, closed="left")],
                                    "alpha": [Interval(Real, 0, None, closed="left")],
                                    "window_prior": ChannelRegressionImputer._parameter_constraints[
                                        "window_prior"]}
    _same_chans = True

    def __init__(self, order: int = 10, *, alpha: float = 1e-4,
                 window_prior: int | str = WINDOW_PRIOR) -> None:
        self.order = order
        self.alpha = alpha
        self.window_prior = window_prior

    def _fit(self, X: np.ndarray) -> dict:
        if X.shape[1] < 2:
            raise ValueError(f"VARImputer reads each channel from the others, so it needs at "
                             f"least 2 channels, got {X.shape[1]}. Use WindowARImputer for "
                             f"one channel.")
        start = ChannelRegressionImputer(adapt="window", window_prior=self.window_prior)
        return {"start_": start.fit(X)}

    def _fill(self, X: np.ndarray, missing: np.ndarray) -> np.ndarray:
        out = self.start_.transform(X, mask=missing)
        _, C, T = X.shape
        p = max(1, min(self.order, MAX_LAGGED // C))
        if T < 4 * (C * p + 1):  # too short a window for the VAR: the first fill
            return out
        with one_blas_thread():  # many small solves
            for w in np.flatnonzero(missing.any(axis=(1, 2)) & ~missing.all(axis=(1, 2))):
                try:
                    out[w] = var_fill(out[w].astype(float), missing[w], p, self.alpha)
                except np.linalg.LinAlgError:  # a flat window: no dynamics to fit
                    continue
        return out
