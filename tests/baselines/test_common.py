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
    BestBaselineImputer,
    ChannelMeanImputer,
    ChannelRegressionImputer,
    InterpolationImputer,
    MeanForecaster,
    RepeatLastForecaster,
    SinusoidForecaster,
    shrinkage,
)
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
    (SinusoidForecaster(horizon=1, patch_len=5, n_last=20), False),
    (InterpolationImputer(), False),
    (ARImputer(max_order=5), False),
    (ChannelMeanImputer(), False),
    (ChannelRegressionImputer(), False),
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
