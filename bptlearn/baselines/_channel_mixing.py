"""How channels mix in the windows being filled: the covariance of their observed samples,
a channel's Gaussian conditional mean on the others, and the per-window regression of
``ChannelRegressionImputer(adapt='window')``."""

from __future__ import annotations

import warnings

import numpy as np

MIN_PAIRS = 1000  # instants at which every pair with a channel must be observed (adapt)


def observed_cov(X: np.ndarray, missing: np.ndarray, prior: np.ndarray, n_prior: int = 22500
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariance (C, C) of the observed samples of (n, C, T) ``X`` (pairwise complete),
    pooled with the fit data's ``prior`` counted as ``n_prior`` instants; the channel
    means; and the instants at which each pair of channels is observed together."""
    observed = np.where(missing, np.nan, X).transpose(0, 2, 1).reshape(-1, X.shape[1])
    seen = np.isfinite(observed).astype(float)
    pairs = seen.T @ seen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a channel never observed
        mean = np.nan_to_num(np.nanmean(observed, axis=0))
    centred = np.nan_to_num(observed - mean)
    return (centred.T @ centred + n_prior * prior) / (pairs + n_prior), mean, pairs


def conditional(cov: np.ndarray, c: int, load: float = 1e-3) -> np.ndarray:
    """Coefficients of channel ``c``'s Gaussian conditional mean on the other channels,
    with a ridge of ``load`` times their mean variance."""
    others = np.delete(np.arange(len(cov)), c)
    lhs = cov[np.ix_(others, others)]
    lhs = lhs + load * np.trace(lhs) / len(others) * np.eye(len(others))
    return np.linalg.solve(lhs, cov[others, c])


def fill_by_window(out: np.ndarray, X: np.ndarray, missing: np.ndarray, base: np.ndarray,
                   prior: np.ndarray, n_prior: int = 1000) -> None:
    """In place: each channel still observed in its window, at its missing samples, from
    the other channels of ``base`` (n, C, T) with that window's covariance of complete
    instants pooled with ``prior`` counted as ``n_prior`` instants (``prior`` alone for
    pairs with a channel missing from the whole window), around the window's own means
    (``base``'s for a channel missing from the whole window)."""
    for w in np.flatnonzero((missing.any(axis=-1) & ~missing.all(axis=-1)).any(axis=-1)):
        present = np.flatnonzero(~missing[w].all(axis=-1))  # channels with a sample here
        complete = X[w][np.ix_(present, ~missing[w][present].any(axis=0))]  # (C', instants)
        if complete.shape[1]:
            complete = complete - complete.mean(axis=1, keepdims=True)
        cov, block = prior.copy(), np.ix_(present, present)
        cov[block] = (complete @ complete.T + n_prior * prior[block]) / (complete.shape[1]
                                                                          + n_prior)
        observed = np.ma.masked_array(X[w], missing[w])
        mean = observed.mean(axis=1).filled(np.nan)
        mean = np.where(np.isnan(mean), base[w].mean(axis=1), mean)
        for c in np.flatnonzero(missing[w].any(axis=-1) & ~missing[w].all(axis=-1)):
            others = np.delete(np.arange(len(cov)), c)
            pred = mean[c] + (base[w, others] - mean[others, None]).T @ conditional(cov, c)
            out[w, c, missing[w, c]] = pred[missing[w, c]]
