"""The numerics of the ridge autoregressions: lag moments, coefficients, BIC, recursion."""

from __future__ import annotations

import numpy as np


def lag_moments(series: np.ndarray, p: int, per_channel: bool, per_window: bool = False,
                block: int = 1 << 22, observed: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, int | np.ndarray]:
    """Centred sums of products (n_models, p + 1, p + 1) of every sample t >= p of
    (n, C, T) ``series`` with its ``p`` lags (index 0: the sample itself), their means
    (n_models, p + 1) and the count per model.

    One model for all windows and channels, one per channel, one per window
    (``per_window``) or one per channel of each window (both; models in window-major
    order). Sums are accumulated in float64 a few windows at a time (a float32 sum over
    millions of samples loses the digits the order and the coefficients depend on),
    around a first estimate of each model's mean (a well-conditioned sum). With a bool
    ``observed`` of the series' shape, only the samples t whose ``p + 1`` values (t and
    its lags) are all observed count, and the counts are an array (n_models,).
    """
    if observed is not None:
        return _observed_moments(series, p, per_channel, per_window, observed)
    n, C, T = series.shape
    spec = "n" * per_window + "c" * per_channel  # the axes that index models
    axes = tuple(i for i, a in enumerate("nct") if a not in spec)
    per_model = C if per_channel else 1  # models per window, with per_window
    n_models = (n if per_window else 1) * per_model
    gram, sums = np.zeros((n_models, p + 1, p + 1)), np.zeros((n_models, p + 1))
    shifts = np.zeros(n_models)
    step = max(1, block // max(1, series[0].size))
    for i in range(0, n, step):
        raw = series[i:i + step]
        rows = slice(i * per_model, (i + len(raw)) * per_model) if per_window else slice(None)
        if per_window or i == 0:  # the first windows' mean, or each window's own
            shift = raw.mean(axis=axes, keepdims=True, dtype=np.float64)
            shifts[rows] = shift.reshape(-1)
        chunk = raw.astype(np.float64) - shift
        lags = [chunk[..., p - k:T - k] for k in range(p + 1)]  # lags[k] = x_{t-k}
        for k in range(p + 1):
            sums[rows, k] += lags[k].sum(axis=axes).reshape(-1)
            for j in range(k, p + 1):
                gram[rows, k, j] += np.reshape(np.einsum(f"nct,nct->{spec}", lags[k], lags[j]), -1)
    gram += np.triu(gram, 1).transpose(0, 2, 1)  # the lower triangle, by symmetry
    count = (T - p) * (1 if per_window else n) * (1 if per_channel else C)
    means = sums / count
    cov = gram - count * means[:, :, None] * means[:, None, :]  # centred sums of products
    return cov, means + shifts[:, None], count


def _observed_moments(series: np.ndarray, p: int, per_channel: bool, per_window: bool,
                      observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`lag_moments` over the rows (t and its ``p`` lags) that are all observed."""
    n, C, T = series.shape
    spec = "n" * per_window + "c" * per_channel
    axes = tuple(i for i, a in enumerate("nct") if a not in spec)
    gaps = np.concatenate([np.zeros((n, C, 1)), np.cumsum(~observed, axis=-1)], axis=-1)
    rows = (gaps[..., p + 1:] - gaps[..., :T - p] == 0).astype(np.float64)  # (n, C, T - p)
    count = rows.sum(axis=axes).reshape(-1)
    x = np.where(observed, series, 0.0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # no complete row: mean 0
        shift = np.nan_to_num(np.sum(x[..., p:] * rows, axis=axes, keepdims=True)
                              / rows.sum(axis=axes, keepdims=True))
    x = np.where(observed, x - shift, 0.0)
    lags = [x[..., p - k:T - k] for k in range(p + 1)]  # lags[k] = x_{t-k}
    sums = np.stack([np.sum(lag * rows, axis=axes).reshape(-1) for lag in lags], axis=-1)
    gram = np.empty((len(count), p + 1, p + 1))
    for k in range(p + 1):
        weighted = lags[k] * rows
        for j in range(k, p + 1):
            gram[:, k, j] = gram[:, j, k] = np.einsum(f"nct,nct->{spec}", weighted,
                                                      lags[j]).reshape(-1)
    means = sums / np.maximum(count, 1)[:, None]
    cov = gram - count[:, None, None] * means[:, :, None] * means[:, None, :]
    return cov, means + shift.reshape(-1)[:, None], count


def solve(cov: np.ndarray, q: int, alpha: float | np.ndarray) -> np.ndarray:
    """Ridge coefficients (n_models, q) of the target on its first ``q`` lags, from the
    centred sums of products ``cov`` (n_models, p + 1, p + 1) (index 0: the target), with
    penalty ``alpha`` (a float, or one per model)."""
    ridge = np.asarray(alpha, dtype=float)[..., None, None] * np.eye(q)
    lhs, rhs = cov[:, 1:q + 1, 1:q + 1] + ridge, cov[:, 1:q + 1, :1]
    try:
        return np.linalg.solve(lhs, rhs)[..., 0]
    except np.linalg.LinAlgError:  # collinear lags (a noiseless series, alpha=0):
        return (np.linalg.pinv(lhs) @ rhs)[..., 0]  # the least-norm solution


def stable(coef: np.ndarray) -> np.ndarray:
    """Lag coefficients (n_models, q) whose recursion cannot grow: where a least-squares
    fit has a characteristic root outside the unit circle (it can on band-limited or
    trending data), ``b_k`` becomes ``b_k * r**k``, which scales every root by ``r``, so
    that the largest lies on the circle (bandwidth expansion, as in speech coding). A
    sinusoid's roots, on the circle, are kept: its forecast continues it. Trailing zero
    coefficients (a lower order padded) add roots at 0 only."""
    out = coef.copy()
    for row in out:
        radius = float(np.abs(np.roots(np.r_[1.0, -row])).max()) if row.any() else 0.0
        if radius > 1.0 + 1e-9:
            row *= radius ** -np.arange(1.0, row.size + 1)
    return out


def bic(cov: np.ndarray, q: int, alpha: float | np.ndarray, n: float) -> np.ndarray:
    """Bayesian information criterion of the order-``q`` model, one per model."""
    coef = solve(cov, q, alpha)
    rss = cov[:, 0, 0] - 2 * (coef * cov[:, 0, 1:q + 1]).sum(-1) + np.einsum(
        "mi,mij,mj->m", coef, cov[:, 1:q + 1, 1:q + 1], coef)
    return n * np.log(np.maximum(rss, 1e-300) / n) + q * np.log(n)


def fit_each(cov: np.ndarray, p: int, alpha: np.ndarray, n: float | np.ndarray,
             auto: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Stable ridge coefficients (n_models, p) of every model, each of order ``p`` or, with
    ``auto``, of its own BIC order among 1 to ``p`` (zero-padded), and those orders."""
    orders = (1 + np.argmin([bic(cov, q, alpha, n) for q in range(1, p + 1)], axis=0) if auto
              else np.full(len(cov), p))
    coef = np.zeros((len(cov), p))
    for q in np.unique(orders):
        coef[orders == q, :q] = solve(cov[orders == q], q, alpha[orders == q])
    return stable(coef), orders


def recursion(X: np.ndarray, coef: np.ndarray, intercept: np.ndarray, n_out: int) -> np.ndarray:
    """The recursion run ``n_out`` steps on (centred) windows X (n, C, T): ``coef``
    (..., p), lag 1 first, and ``intercept`` (...) broadcast against (n, C)."""
    p = coef.shape[-1]
    buf = np.empty(X.shape[:2] + (p + n_out,))
    buf[..., :p] = X[..., -p:]
    coef = coef[..., ::-1]  # oldest lag first, to match buf's time order
    for s in range(n_out):
        buf[..., p + s] = intercept + (buf[..., s:p + s] * coef).sum(axis=-1)
    return buf[..., p:]
