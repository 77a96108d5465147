"""The fast linear algebra of the imputation baselines against the plain computation it
replaces: banded AR interpolation, grouped conditional means."""

from __future__ import annotations

import numpy as np
import pytest

from bptlearn.baselines._ar_impute import _error_band, _error_gram, _solve_holes
from bptlearn.baselines._gaussian import conditional, conditionals, unique_columns


@pytest.mark.parametrize("load", [1e-8, -50.0])  # -50: indefinite, the LU branch
@pytest.mark.parametrize("holes", [[7], [0, 1, 2, 40, 41, 99], list(range(30, 70)) + [72, 75]])
def test_banded_hole_solve_equals_the_dense_solve(rng, load, holes):
    coef, T = (0.9, -0.3, 0.1), 100
    gram = _error_gram(coef, T).toarray()
    hole = np.array(holes)
    x0 = rng.standard_normal(T)
    x0[hole] = 0.0
    lhs = gram[np.ix_(hole, hole)] + load * np.eye(hole.size)
    dense = np.linalg.solve(lhs, -(gram @ x0)[hole])
    band = _error_band(coef, T)
    assert band.shape == (4, T) and band[2, 10] == gram[10, 12]
    got = _solve_holes(band, _error_gram(coef, T), x0, hole, load)
    np.testing.assert_allclose(got, dense, rtol=1e-9, atol=1e-9)


def test_grouped_conditionals_solve_each_subset_with_the_ridge_of_all_channels(rng):
    A = rng.standard_normal((6, 200)) * np.arange(1, 7)[:, None]
    cov = np.cov(A)
    read = np.array([[1, 1, 1, 1, 1], [1, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 1, 1, 1, 1]],
                    dtype=bool)
    got = conditionals(cov, 2, read)
    others = np.delete(np.arange(6), 2)
    load = 1e-3 * np.diag(cov)[others].mean()
    np.testing.assert_allclose(got[0], conditional(cov, 2), rtol=1e-10)  # every channel
    for row, beta in zip(read, got, strict=True):
        sub = others[row]
        expected = np.linalg.solve(cov[np.ix_(sub, sub)] + load * np.eye(len(sub)),
                                   cov[sub, 2])
        np.testing.assert_allclose(beta[row], expected, rtol=1e-9)
        assert np.all(beta[~row] == 0)


@pytest.mark.parametrize("n_rows", [3, 64, 130])  # one 64-bit word per column, or several
def test_unique_columns_groups_equal_columns(rng, n_rows):
    seen = rng.random((n_rows, 4)) < 0.5
    cols = rng.integers(0, 4, size=50)
    patterns, which = unique_columns(seen[:, cols])
    assert patterns.shape[1] == np.unique(seen[:, cols], axis=1).shape[1]
    np.testing.assert_array_equal(patterns[:, which], seen[:, cols])


def test_loops_of_small_solves_run_blas_on_one_thread(rng, monkeypatch):
    """Threads that wait for a busy core made these loops 10-40 times slower."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from bptlearn.baselines import ARImputer, ChannelRegressionImputer, _ar_impute, _channel_mixing

    seen = []

    def spy(solve):
        def wrapped(*args, **kwargs):
            seen.append(max(p["num_threads"] for p in threadpool_info()
                            if p["user_api"] == "blas"))
            return solve(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(_ar_impute, "_solve_holes", spy(_ar_impute._solve_holes))
    monkeypatch.setattr(_channel_mixing, "_read_observed", spy(_channel_mixing._read_observed))
    X = rng.standard_normal((2, 3, 400))
    missing = np.zeros(X.shape, dtype=bool)
    missing[:, :, 100:200] = True
    with threadpool_limits(limits=2, user_api="blas"):
        for imputer in (ARImputer(), ChannelRegressionImputer(adapt="window")):
            imputer.fit(X).transform(X, mask=missing)
    assert len(seen) == 12 and set(seen) == {1}
