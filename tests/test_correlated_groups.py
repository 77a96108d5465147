"""correlated_groups: windows cut at the same moment share a group, and only they do."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict

from bptlearn.model_selection import correlated_groups


def _siblings(rng, n_moments: int, per_moment: int, n_times: int = 600, noise: float = 0.5,
              flip: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``per_moment`` noisy copies (some sign-flipped if ``flip``) of each of ``n_moments``
    signals, shuffled: (n, n_times) windows and the moment each came from."""
    moments = rng.normal(size=(n_moments, n_times))
    moment = np.repeat(np.arange(n_moments), per_moment)
    sign = rng.choice([-1.0, 1.0], size=(len(moment), 1)) if flip else 1.0
    X = sign * moments[moment] + noise * rng.normal(size=(len(moment), n_times))
    order = rng.permutation(len(moment))
    return X[order], moment[order]


def test_siblings_share_a_group_and_independent_windows_do_not(rng):
    X, moment = _siblings(rng, n_moments=6, per_moment=4)
    X = np.concatenate([X, rng.normal(size=(5, X.shape[1]))])  # five windows of their own
    groups = correlated_groups(X)
    assert groups.shape == (len(X),) and groups.dtype.kind == "i"
    assert len(np.unique(groups)) == 6 + 5
    for m in range(6):  # one group per moment, holding all its copies and nothing else
        assert len(np.unique(groups[:24][moment == m])) == 1
    assert len(np.unique(groups[:24])) == 6
    assert groups[0] == 0 and np.all(np.diff(np.unique(groups, return_index=True)[1]) > 0)


def test_a_sibling_of_a_sibling_joins_the_group(rng):
    a = rng.normal(size=2000)
    b = a + 0.9 * rng.normal(size=2000)  # correlates with a at about 0.74
    c = b + 1.2 * rng.normal(size=2000)  # with b at about 0.76, with a at about 0.56
    d = rng.normal(size=2000)
    X = np.stack([a, c, d])  # a and c alone: below 0.6
    assert correlated_groups(X, threshold=0.6).tolist() == [0, 1, 2]
    X = np.stack([a, b, c, d])
    assert correlated_groups(X, threshold=0.6).tolist() == [0, 0, 0, 1]


def test_threshold_sets_how_alike_siblings_must_be(rng):
    base = rng.normal(size=3000)
    X = np.stack([base, 0.6 * base + 0.8 * rng.normal(size=3000)])  # correlation about 0.6
    assert correlated_groups(X, threshold=0.5).tolist() == [0, 0]
    assert correlated_groups(X, threshold=0.7).tolist() == [0, 1]


def test_multichannel_windows_are_compared_over_every_channel(rng):
    moment = rng.normal(size=(4, 500))
    X = np.stack([moment, moment + 0.3 * rng.normal(size=(4, 500)),
                  rng.normal(size=(4, 500))])  # (3 windows, 4 channels, 500 samples)
    assert correlated_groups(X).tolist() == [0, 0, 1]
    np.testing.assert_array_equal(correlated_groups(X), correlated_groups(X.reshape(3, -1)))


def test_the_blocks_do_not_change_the_groups_and_the_input_is_left_as_it_was(rng):
    X, _ = _siblings(rng, n_moments=5, per_moment=3)
    before = X.copy()
    np.testing.assert_array_equal(correlated_groups(X, block_size=4), correlated_groups(X))
    np.testing.assert_array_equal(X, before)


def test_a_flat_window_is_a_group_of_its_own(rng):
    X = np.stack([np.zeros(100), rng.normal(size=100), np.full(100, 3.0)])
    assert correlated_groups(X).tolist() == [0, 1, 2]


def test_grouped_folds_stop_a_classifier_recognising_the_moment(rng):
    """Labels that belong to moments, not to any property of the signal: with folds by
    window a linear model on the samples finds each test window's siblings in training;
    with folds by correlated_groups it is no better than chance."""
    X, moment = _siblings(rng, n_moments=20, per_moment=5, n_times=300, noise=0.3,
                          flip=False)
    y = moment % 2  # each moment's label is arbitrary
    model = LogisticRegression(max_iter=2000)
    by_window = cross_val_predict(model, X, y, cv=KFold(5, shuffle=True, random_state=0),
                                  method="predict_proba")[:, 1]
    by_group = cross_val_predict(model, X, y, cv=GroupKFold(5), groups=correlated_groups(X),
                                 method="predict_proba")[:, 1]
    assert roc_auc_score(y, by_window) > 0.9
    assert roc_auc_score(y, by_group) < 0.7  # no better than chance (0.50 with this seed)


@pytest.mark.parametrize("X, kwargs, error, match", [
    (np.zeros(10), {}, ValueError, r"shape \(n_windows, n_times\)"),
    (np.zeros((2, 1)), {}, ValueError, "at least 2 samples"),
    (np.array([[0.0, np.nan, 1.0]]), {}, ValueError, "NaN or infinite"),
    (np.zeros((2, 5)), {"threshold": 1.0}, ValueError, r"threshold must lie in \(0, 1\)"),
    (np.zeros((2, 5)), {"threshold": "0.5"}, TypeError, "threshold"),
    (np.zeros((2, 5)), {"block_size": 0}, ValueError, "block_size must be a positive integer"),
])
def test_bad_input_is_refused_with_the_fix(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        correlated_groups(X, **kwargs)
