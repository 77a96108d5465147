"""Shrinkage, the band-power seizure detector, and the API every baseline shares."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from bptlearn.baselines import (
    ARForecaster,
    ARImputer,
    BandPowerSeizureDetector,
    BestBaselineForecaster,
    BestBaselineImputer,
    ChannelMeanImputer,
    ChannelRegressionImputer,
    HistoryARForecaster,
    InterpolationImputer,
    MeanForecaster,
    RepeatLastForecaster,
    SinusoidForecaster,
    VARImputer,
    WindowARImputer,
    shrinkage,
)
from bptlearn.baselines._select import _held_back
from bptlearn.data import make_seeg_windows
from bptlearn.exceptions import ChannelMismatchError


@pytest.fixture(scope="module")
def seeg():
    X, y, _, groups = make_seeg_windows(n_patients=2, n_chans=3, n_windows=20, n_patches=1,
                                        random_state=0)
    return X, y, groups


# --- shrinkage ----------------------------------------------------------------------------


def test_shrinkage_never_increases_the_squared_error(rng):
    target = rng.normal(size=500)
    for correction in (target, 3 * target, -target, rng.normal(size=500),
                       target + rng.normal(size=500)):
        s = shrinkage(target, correction)
        assert 0.0 <= s <= 1.0
        assert np.sum((target - s * correction) ** 2) <= np.sum(target ** 2)
    assert shrinkage(target, target) == 1.0 and shrinkage(target, -target) == 0.0


def test_shrinkage_with_groups_gives_noise_no_weight_and_skill_its_weight(rng):
    """Without groups, a correction of pure noise gets a weight about half of the time;
    with the cluster-robust test it gets none (at z=2, about 2 % of draws), while a
    correction with skill keeps its least-squares weight."""
    rows = np.arange(40)[:, None].repeat(200, axis=1)
    plain, tested = [], []
    for _ in range(50):
        target, noise = rng.normal(size=(40, 200)), rng.normal(size=(40, 200))
        plain.append(shrinkage(target, noise))
        tested.append(shrinkage(target, noise, groups=rows))
    assert np.mean(np.array(plain) > 0) > 0.3 and np.mean(np.array(tested) > 0) <= 0.06
    target = rng.normal(size=(40, 200))
    skill = 0.5 * target + rng.normal(size=target.shape)
    assert shrinkage(target, skill, groups=rows) == pytest.approx(shrinkage(target, skill))
    assert 0.3 < shrinkage(target, skill, groups=rows) < 0.5
    assert shrinkage(target, skill, groups=np.zeros_like(rows)) == 0.0  # one group: no test


# --- BandPowerSeizureDetector ---------------------------------------------------------------


def test_band_power_detector_separates_synthetic_seizure_windows(seeg):
    X, y, _ = seeg
    clf = BandPowerSeizureDetector().fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2) and clf.classes_.tolist() == [0, 1]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.8


def test_band_power_detector_features_are_band_powers_and_amplitude(seeg):
    X, y, _ = seeg
    clf = BandPowerSeizureDetector().fit(X, y)
    names = clf.get_feature_names()
    assert len(names) == 3 * 9 and names[:2] == ["ch0_theta", "ch0_alpha"]
    assert clf.pipeline_[-1].coef_.shape == (1, 27)


def test_band_power_detector_with_mean_pooling_accepts_other_implants(seeg):
    X, y, _ = seeg
    clf = BandPowerSeizureDetector(pooling="mean").fit(X, y)
    assert clf.predict(X[:5, :2]).shape == (5,)


def test_band_power_detector_per_channel_refuses_other_implants(seeg):
    X, y, _ = seeg
    clf = BandPowerSeizureDetector().fit(X, y)
    with pytest.raises(ChannelMismatchError, match="X has 2 channels"):
        clf.predict(X[:, :2])


def test_band_power_detector_rejects_token_labels_with_a_fix(seeg):
    X, y, _ = seeg
    with pytest.raises(ValueError, match=r"one label per window.*y\.reshape\(len\(y\), -1\)"):
        BandPowerSeizureDetector().fit(X, np.zeros((40, 3, 1)))


def test_band_power_detector_rejects_a_non_positive_c(seeg):
    X, y, _ = seeg
    with pytest.raises(InvalidParameterError, match="'C' parameter of BandPowerSeizureDetector"):
        BandPowerSeizureDetector(C=0.0).fit(X, y)


# --- shared API -----------------------------------------------------------------------------

ALL = [
    (RepeatLastForecaster(horizon=1, patch_len=5), False),
    (MeanForecaster(horizon=1, patch_len=5), False),
    (ARForecaster(order=2, horizon=1, patch_len=5), False),
    (HistoryARForecaster(horizon=1, patch_len=5, max_order=3), False),
    (SinusoidForecaster(horizon=1, patch_len=5, n_last=20), False),
    (InterpolationImputer(), False),
    (ARImputer(max_order=5), False),
    (WindowARImputer(max_order=5), False),
    (ChannelMeanImputer(), False),
    (ChannelRegressionImputer(), False),
    (VARImputer(order=2), False),
    (BestBaselineImputer(patch_len=10, random_state=0), False),
    (BandPowerSeizureDetector(), True),
]


IDS = [type(est).__name__ for est, _ in ALL]


def _output(est, X):
    return est.transform(X) if hasattr(est, "transform") else est.predict(X)


@pytest.mark.parametrize(("est", "needs_y"), ALL, ids=IDS)
def test_baseline_clones_unfitted_with_equal_params(est, needs_y):
    copy = clone(est)
    assert copy.get_params() == est.get_params() and not hasattr(copy, "n_chans_in_")


@pytest.mark.parametrize(("est", "needs_y"), ALL, ids=IDS)
def test_baseline_raises_not_fitted_before_fit(est, needs_y, rng):
    with pytest.raises(NotFittedError):
        _output(clone(est), rng.normal(size=(2, 3, 40)))


@pytest.mark.parametrize(("est", "needs_y"), ALL, ids=IDS)
def test_baseline_fit_returns_self_and_leaves_input_unchanged(est, needs_y, seeg):
    X, y, _ = seeg
    X = X[:, :, :40].copy()
    X_before = X.copy()
    est = clone(est)
    assert est.fit(X, y if needs_y else None) is est
    _output(est, X)
    np.testing.assert_array_equal(X, X_before)
    assert est.n_chans_in_ == 3


@pytest.mark.parametrize(("est", "needs_y"), ALL, ids=IDS)
def test_baseline_survives_pickling_with_identical_outputs(est, needs_y, seeg):
    X, y, _ = seeg
    X = X[:, :, :40]
    est = clone(est).fit(X, y if needs_y else None)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(_output(restored, X), _output(est, X))


@pytest.mark.parametrize(("est", "needs_y"), ALL, ids=IDS)
def test_baseline_declares_three_dimensional_input(est, needs_y):
    tags = est.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array


# --- held-back windows ------------------------------------------------------------------------


def test_held_back_without_groups_is_the_last_block():
    train, held = _held_back(10, 0.2)
    assert train.tolist() == list(range(8)) and held.tolist() == [8, 9]


def test_held_back_with_groups_holds_back_whole_groups_evenly_spaced():
    groups = np.repeat(["p3", "p1", "p4", "p0", "p2", "p9", "p7", "p8", "p5", "p6"], 3)
    train, held = _held_back(30, 0.2, groups)  # 2 of 10 patients: the first and the last seen
    assert sorted(set(groups[held])) == ["p3", "p6"]
    assert not set(groups[held]) & set(groups[train])
    assert sorted(np.r_[train, held].tolist()) == list(range(30))


def test_held_back_keeps_two_groups_to_train_on_and_needs_three():
    groups = np.repeat([0, 1, 2], 4)
    train, held = _held_back(12, 0.9, groups)
    assert len(np.unique(groups[train])) == 2 and len(np.unique(groups[held])) == 1
    train, held = _held_back(8, 0.25, np.repeat([0, 1], 4))  # 2 patients: the last block
    assert held.tolist() == [6, 7]


def test_held_back_refuses_groups_of_another_length():
    with pytest.raises(ValueError, match="one patient or recording id per window"):
        _held_back(10, 0.2, np.zeros(9))


@pytest.mark.parametrize("make", ["forecaster", "imputer"])
def test_selectors_with_groups_score_on_the_held_back_patients(rng, make):
    """Holding back patient 'a' (the first of five) scores the candidates as if its
    windows came last without groups."""
    X = rng.normal(size=(20, 2, 300))
    groups = np.repeat(["a", "b", "c", "d", "e"], 4)
    last = np.r_[4:20, 0:4]  # patient 'a' moved to the end
    if make == "forecaster":
        y = rng.normal(size=(20, 2, 10))
        make_est = lambda: BestBaselineForecaster(horizon=1, patch_len=10)  # noqa: E731
        grouped = make_est().fit(X, y, groups=groups)
        reordered = make_est().fit(X[last], y[last])
    else:
        make_est = lambda: BestBaselineImputer("gaps", patch_len=50, random_state=0)  # noqa: E731
        grouped = make_est().fit(X, groups=groups)
        reordered = make_est().fit(X[last])
    assert grouped.scores_.keys() == reordered.scores_.keys()
    np.testing.assert_allclose(list(grouped.scores_.values()), list(reordered.scores_.values()),
                               rtol=1e-6)
    without = make_est().fit(X, y) if make == "forecaster" else make_est().fit(X)
    assert not np.allclose(list(without.scores_.values()), list(grouped.scores_.values()))
