"""Tests of bptlearn.baselines: forecasters, imputer and band-power seizure detector."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import InvalidParameterError

from bptlearn.baselines import (
    ARForecaster,
    BandPowerSeizureDetector,
    InterpolationImputer,
    RepeatLastForecaster,
)
from bptlearn.data import make_seeg_windows
from bptlearn.exceptions import BPTWarning, ChannelMismatchError
from bptlearn.metrics import mae


@pytest.fixture(scope="module")
def seeg():
    X, y, _, groups = make_seeg_windows(n_patients=2, n_chans=3, n_windows=20, n_patches=1,
                                        random_state=0)
    return X, y, groups


def _ar2(rng, n_windows=4, n_times=800, a=(1.2, -0.5)):
    x = np.zeros((n_windows, 1, n_times))
    noise = rng.normal(size=x.shape)
    for t in range(2, n_times):
        x[..., t] = a[0] * x[..., t - 1] + a[1] * x[..., t - 2] + noise[..., t]
    return x


# --- RepeatLastForecaster -------------------------------------------------------------------


def test_repeat_last_forecaster_tiles_the_last_patch(rng):
    X = rng.normal(size=(3, 2, 10))
    pred = RepeatLastForecaster(horizon=3, patch_len=4).fit(X).predict(X)
    assert pred.shape == (3, 2, 12)
    np.testing.assert_array_equal(pred, np.concatenate([X[..., -4:]] * 3, axis=-1))


def test_repeat_last_forecaster_scores_negative_mae(rng):
    X, y = rng.normal(size=(3, 2, 10)), rng.normal(size=(3, 2, 8))
    est = RepeatLastForecaster(horizon=2, patch_len=4).fit(X, y)
    assert est.score(X, y) == pytest.approx(-mae(y, est.predict(X)))


def test_repeat_last_forecaster_rejects_windows_shorter_than_a_patch():
    with pytest.raises(ValueError, match="X has 3 samples per window, but RepeatLastForecaster "
                                         "needs at least 4"):
        RepeatLastForecaster(patch_len=4).fit(np.zeros((1, 1, 3)))


def test_forecaster_rejects_futures_of_other_windows(rng):
    with pytest.raises(ValueError, match=r"y must hold the future of each window of X, shape "
                                         r"\(2, 1, horizon_samples\), got \(3, 1, 4\)"):
        RepeatLastForecaster(patch_len=2).fit(np.zeros((2, 1, 4)), np.zeros((3, 1, 4)))


def test_forecaster_rejects_two_dimensional_input():
    with pytest.raises(ValueError, match=r"X must have shape \(n_windows, n_chans, n_times\), "
                                         r"got a 2-D array"):
        RepeatLastForecaster(patch_len=2).fit(np.zeros((2, 4)))


def test_forecaster_rejects_a_horizon_of_zero_naming_it():
    with pytest.raises(InvalidParameterError, match="'horizon' parameter of RepeatLastForecaster"):
        RepeatLastForecaster(horizon=0).fit(np.zeros((1, 1, 1500)))


# --- ARForecaster ---------------------------------------------------------------------------


def test_ar_forecaster_recovers_the_coefficients_of_an_ar2_process(rng):
    est = ARForecaster(order=2, alpha=0.0, patch_len=10).fit(_ar2(rng))
    np.testing.assert_allclose(est.coef_[0], [1.2, -0.5], atol=0.05)


def test_ar_forecaster_equals_ridge_on_the_lag_matrix(rng):
    X = rng.normal(size=(3, 2, 50)) + 5.0
    est = ARForecaster(order=3, alpha=7.0, patch_len=5).fit(X)
    for c in range(2):
        lags = np.lib.stride_tricks.sliding_window_view(X[:, c], 4, axis=-1).reshape(-1, 4)
        ridge = Ridge(alpha=7.0).fit(lags[:, 2::-1], lags[:, 3])  # columns: lag 1, 2, 3
        np.testing.assert_allclose(est.coef_[c], ridge.coef_, rtol=1e-8, atol=1e-10)
        assert est.intercept_[c] == pytest.approx(ridge.intercept_)


def test_ar_forecaster_continues_a_sine_exactly():
    t = np.arange(600) / 250.0
    signal = np.sin(2 * np.pi * 7.0 * t)[None, None]
    est = ARForecaster(order=2, horizon=2, alpha=0.0, patch_len=100).fit(signal[..., :400])
    np.testing.assert_allclose(est.predict(signal[..., :400]), signal[..., 400:], atol=1e-6)


def test_ar_forecaster_learns_from_the_futures_when_given(rng):
    X = rng.normal(size=(2, 2, 30))
    y = rng.normal(size=(2, 2, 10))
    with_y = ARForecaster(order=2, horizon=1, patch_len=10).fit(X, y)
    joined = ARForecaster(order=2, horizon=1, patch_len=10).fit(np.concatenate([X, y], -1))
    np.testing.assert_allclose(with_y.coef_, joined.coef_)


def test_ar_forecaster_per_channel_refuses_another_channel_count(rng):
    est = ARForecaster(order=2, patch_len=5).fit(rng.normal(size=(2, 3, 20)))
    with pytest.raises(ChannelMismatchError, match="X has 2 channels, but this ARForecaster was "
                                                   "fitted on 3"):
        est.predict(rng.normal(size=(2, 2, 20)))


def test_ar_forecaster_pooled_forecasts_any_channel_count(rng):
    est = ARForecaster(order=2, horizon=1, patch_len=5, per_channel=False)
    est.fit(rng.normal(size=(2, 3, 20)))
    assert est.coef_.shape == (1, 2)
    assert est.predict(rng.normal(size=(4, 5, 20))).shape == (4, 5, 5)


def test_ar_forecaster_beats_repeat_last_on_synthetic_seeg():
    X, _, _, _ = make_seeg_windows(n_patients=2, n_chans=3, n_windows=20, n_patches=6,
                                   patch_len=250, random_state=0)
    hist, fut = X[..., :1000], X[..., 1000:]
    kwargs = dict(horizon=2, patch_len=250)
    naive = RepeatLastForecaster(**kwargs).fit(hist[:20], fut[:20])
    ar = ARForecaster(order=10, **kwargs).fit(hist[:20], fut[:20])
    assert ar.score(hist[20:], fut[20:]) > naive.score(hist[20:], fut[20:])


# --- InterpolationImputer -------------------------------------------------------------------


def test_interpolation_imputer_fills_nans_linearly_and_holds_the_edges():
    X = np.array([[[np.nan, 1.0, np.nan, np.nan, 4.0, np.nan]]])
    out = InterpolationImputer().fit_transform(X)
    np.testing.assert_array_equal(out, [[[1.0, 1.0, 2.0, 3.0, 4.0, 4.0]]])


def test_interpolation_imputer_cubic_reproduces_a_cubic_polynomial():
    t = np.arange(20.0)
    X = (0.01 * t**3 - 0.2 * t**2 + t)[None, None]
    mask = np.zeros_like(X, dtype=bool)
    mask[..., [3, 4, 9, 15]] = True
    out = InterpolationImputer(kind="cubic").fit_transform(X, mask=mask)
    np.testing.assert_allclose(out, X, atol=1e-9)


def test_interpolation_imputer_keeps_observed_samples_bit_identical_and_input_unchanged(rng):
    X = rng.normal(size=(3, 4, 50)).astype(np.float32)
    mask = rng.random(X.shape) < 0.4
    X_before = X.copy()
    out = InterpolationImputer(kind="cubic").fit(X).transform(X, mask=mask)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[~mask], X[~mask])
    np.testing.assert_array_equal(X, X_before)
    assert not np.array_equal(out[mask], X[mask])


def test_interpolation_imputer_fills_a_channel_without_observations_with_zero_and_warns():
    X = np.array([[[np.nan, np.nan], [1.0, np.nan]]])
    with pytest.warns(BPTWarning, match="1 channel"):
        out = InterpolationImputer().fit_transform(X)
    np.testing.assert_array_equal(out, [[[0.0, 0.0], [1.0, 1.0]]])


def test_interpolation_imputer_rejects_a_mask_of_another_shape():
    imp = InterpolationImputer().fit(np.zeros((1, 1, 4)))
    with pytest.raises(ValueError, match=r"mask must be a boolean array of X's shape \(1, 1, 4\)"):
        imp.transform(np.zeros((1, 1, 4)), mask=np.zeros((1, 4), dtype=bool))


def test_interpolation_imputer_rejects_an_unknown_kind():
    with pytest.raises(InvalidParameterError, match="'kind' parameter of InterpolationImputer"):
        InterpolationImputer(kind="spline").fit(np.zeros((1, 1, 4)))


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
    (ARForecaster(order=2, horizon=1, patch_len=5), False),
    (InterpolationImputer(), False),
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
