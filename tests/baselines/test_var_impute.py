"""VARImputer: the multichannel autoregression of each window, against known VARs, the
dense least-squares solution, and the baselines it generalises."""

from __future__ import annotations

import numpy as np
import pytest

from bptlearn.baselines import (
    ChannelRegressionImputer,
    VARImputer,
    WindowARImputer,
    make_missing_mask,
)
from bptlearn.baselines._var_impute import fit_var, var_fill, white_blocks

LAGS = np.array([[[0.5, 0.0, 0.0], [0.0, 0.6, 0.0], [0.0, 0.0, 0.3]],  # lag 1
                 [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.6, 0.0, 0.0]]])  # lag 2: 0 drives 2


def simulate(rng, n_times, n_windows=1, noise=(1.0, 0.5, 0.2)):
    """Windows (n, 3, T) of the VAR(2) ``LAGS``: channel 2 follows channel 0 two samples
    later; innovations independent with standard deviations ``noise``."""
    x = np.zeros((n_windows, 3, n_times + 100))
    e = rng.normal(size=x.shape) * np.array(noise)[:, None]
    for t in range(2, x.shape[-1]):
        x[..., t] = e[..., t] + x[..., t - 1] @ LAGS[0].T + x[..., t - 2] @ LAGS[1].T
    return x[..., 100:]


def test_fit_var_recovers_the_lags_and_innovations_of_a_known_var(rng):
    x = simulate(rng, 40000)[0]
    lags, cov = fit_var(x, 2, alpha=0.0)
    assert lags.shape == (2, 3, 3) and cov.shape == (3, 3)
    np.testing.assert_allclose(lags, LAGS, atol=0.02)
    np.testing.assert_allclose(cov, np.diag([1.0, 0.25, 0.04]), atol=0.03)


def test_white_blocks_weigh_the_innovations_by_their_inverse_covariance(rng):
    cov = np.array([[1.0, 0.3, 0.0], [0.3, 0.5, 0.1], [0.0, 0.1, 0.2]])
    x = rng.normal(size=(3, 50))
    blocks = white_blocks(LAGS, cov)
    assert blocks.shape == (3, 3, 3)
    white = sum(blocks[k] @ x[:, 2 - k:50 - k] for k in range(3))  # (C, T - 2)
    innov = x[:, 2:] - LAGS[0] @ x[:, 1:-1] - LAGS[1] @ x[:, :-2]
    loaded = cov + 1e-6 * np.trace(cov) / 3 * np.eye(3)
    expected = np.einsum("ct,cd,dt->", innov, np.linalg.inv(loaded), innov)
    assert np.sum(white ** 2) == pytest.approx(expected, rel=1e-10)


def test_var_fill_is_the_dense_least_squares_solution(rng):
    """The banded solve against least squares on the dense operator that maps the
    signal, flattened time first, to the whitened innovations."""
    T, p = 120, 3
    x = simulate(rng, T)[0]
    missing = np.zeros(x.shape, dtype=bool)
    missing[0, 30:45] = missing[2, 40:70] = missing[1, 100:103] = True
    missing[1, 0:2] = missing[0, 117:] = missing[2, 119] = True  # at the edges
    start = np.where(missing, 0.0, x)
    got = var_fill(start, missing, order=p, alpha=0.01)
    centre = start.mean(axis=1, keepdims=True)
    blocks = white_blocks(*fit_var(start - centre, p, 0.01))
    dense = np.zeros(((T - p) * 3, T * 3))
    for tau in range(p, T):
        for k in range(p + 1):
            dense[(tau - p) * 3:(tau - p + 1) * 3, (tau - k) * 3:(tau - k + 1) * 3] = blocks[k]
    hole, flat = missing.T.ravel(), (start - centre).T.ravel()
    solved = np.linalg.lstsq(dense[:, hole], -dense[:, ~hole] @ flat[~hole], rcond=None)[0]
    expected = flat.copy()
    expected[hole] = solved
    np.testing.assert_allclose(got, expected.reshape(T, 3).T + centre, rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(got[~missing], start[~missing])


def test_var_imputer_reads_a_leading_channel_that_same_instant_and_own_ar_miss(rng):
    """Gaps in a VAR whose channel 2 follows channel 0: the VAR of each window beats the
    per-window regression (same instant) and each window's AR (own past and future)."""
    X = simulate(rng, 3000, n_windows=4).astype(np.float32)
    mask = make_missing_mask(X.shape, "gaps", random_state=0)
    mse = {}
    for est in (VARImputer(order=4), ChannelRegressionImputer(adapt="window"),
                WindowARImputer()):
        out = est.fit(X).transform(X, mask=mask)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out[~mask], X[~mask])
        mse[type(est).__name__] = float(np.mean((out - X)[mask] ** 2))
    assert mse["VARImputer"] < 0.7 * min(mse["ChannelRegressionImputer"], mse["WindowARImputer"])


def test_var_imputer_leaves_what_it_cannot_fit_to_its_first_fill(rng):
    X = simulate(rng, 300, n_windows=3)
    mask = np.zeros(X.shape, dtype=bool)
    mask[0] = True  # nothing observed in window 0
    mask[1, 1, 100:150] = True
    imp = VARImputer(order=2).fit(X)
    out, start = imp.transform(X, mask=mask), imp.start_.transform(X, mask=mask)
    np.testing.assert_array_equal(out[0], start[0])  # no sample to fit a VAR on
    np.testing.assert_array_equal(out[2], X[2])  # nothing missing
    assert not np.allclose(out[1, 1, 100:150], start[1, 1, 100:150])
    flat = np.zeros_like(X)  # every channel flat: no VAR to fit, no error
    np.testing.assert_array_equal(imp.transform(flat, mask=mask)[1], imp.start_.transform(
        flat, mask=mask)[1])
    short = VARImputer(order=10).fit(X[..., :100])  # 100 samples < 4 * (3 * 10 + 1)
    np.testing.assert_array_equal(short.transform(X[..., :100], mask=mask[..., :100]),
                                  short.start_.transform(X[..., :100], mask=mask[..., :100]))


def test_var_imputer_refuses_one_channel_and_names_the_fix(rng):
    imp = VARImputer()
    with pytest.raises(ValueError, match="at least 2 channels.*WindowARImputer"):
        imp.fit(rng.normal(size=(2, 1, 200)))
    assert not hasattr(imp, "start_") and not hasattr(imp, "n_chans_in_")
