"""Tests of bptlearn.baselines: forecasters, imputer and band-power seizure detector."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.signal import lfilter
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import InvalidParameterError

from bptlearn.baselines import (
    PATTERNS,
    ARForecaster,
    ARImputer,
    BandPowerSeizureDetector,
    BestBaselineForecaster,
    BestBaselineImputer,
    ChannelMeanImputer,
    ChannelRegressionImputer,
    InterpolationImputer,
    MeanForecaster,
    RepeatLastForecaster,
    SinusoidForecaster,
    make_missing_mask,
    missing_pattern,
    shrinkage,
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
    X = rng.normal(size=(3, 2, 50)) + rng.normal(5.0, 3.0, size=(3, 2, 1))  # levels differ
    est = ARForecaster(order=3, alpha=7.0, patch_len=5).fit(X)
    centred = X - X.mean(axis=-1, keepdims=True)  # each window on its own mean
    for c in range(2):
        lags = np.lib.stride_tricks.sliding_window_view(centred[:, c], 4, axis=-1).reshape(-1, 4)
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
    y = y - y.mean(axis=-1, keepdims=True) + X.mean(axis=-1, keepdims=True)  # one mean each
    with_y = ARForecaster(order=2, horizon=1, patch_len=10).fit(X, y)
    joined = ARForecaster(order=2, horizon=1, patch_len=10).fit(np.concatenate([X, y], -1))
    np.testing.assert_allclose(with_y.coef_, joined.coef_)
    alone = ARForecaster(order=2, horizon=1, patch_len=10).fit(X)
    assert not np.allclose(with_y.coef_, alone.coef_)


def test_ar_forecaster_decays_to_each_window_history_mean(rng):
    """Fitted on windows around 0, a window around 100 is forecast around 100: far ahead
    the forecast is that window's own history mean, not the fit data's level."""
    from scipy.signal import lfilter

    X = lfilter([1.0], [1.0, -0.9], rng.normal(size=(4, 1, 2000)))
    est = ARForecaster(order="auto", horizon=1, patch_len=1000).fit(X)
    shifted = X[:1] + 100.0
    forecast = est.predict(shifted)
    assert forecast[..., -1] == pytest.approx(shifted.mean(), abs=1e-3)
    np.testing.assert_allclose(forecast - 100.0, est.predict(X[:1]), atol=1e-9)


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


def test_interpolation_imputer_spline_reproduces_a_cubic_polynomial():
    t = np.arange(20.0)
    X = (0.01 * t**3 - 0.2 * t**2 + t)[None, None]
    mask = np.zeros_like(X, dtype=bool)
    mask[..., [3, 4, 9, 15]] = True
    out = InterpolationImputer(kind="spline").fit_transform(X, mask=mask)
    np.testing.assert_allclose(out, X, atol=1e-9)


@pytest.mark.parametrize(("kind", "interpolator"), [("cubic", PchipInterpolator),
                                                    ("spline", CubicSpline)])
def test_interpolation_imputer_cubic_and_spline_equal_scipy(rng, kind, interpolator):
    x = rng.normal(size=60)
    mask = np.zeros(60, dtype=bool)
    mask[[5, 6, 7, 20, 33, 34]] = True
    out = InterpolationImputer(kind=kind).fit_transform(x[None, None], mask=mask[None, None])
    t = np.arange(60)
    expected = interpolator(t[~mask], x[~mask])(t[mask])
    np.testing.assert_allclose(out[0, 0, mask], expected, rtol=1e-12)
    np.testing.assert_array_equal(out[0, 0, ~mask], x[~mask])


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
        InterpolationImputer(kind="quadratic").fit(np.zeros((1, 1, 4)))


# --- MeanForecaster, AR order, SinusoidForecaster -------------------------------------------


def test_mean_forecaster_predicts_each_channels_history_mean(rng):
    X = rng.normal(size=(3, 2, 30)) + np.array([5.0, -2.0])[:, None]
    pred = MeanForecaster(horizon=2, patch_len=10).fit(X).predict(X)
    assert pred.shape == (3, 2, 20)
    np.testing.assert_allclose(pred, np.repeat(X.mean(-1, keepdims=True), 20, axis=-1))


def test_ar_forecaster_chooses_the_true_order_of_an_ar3_process(rng):
    x = lfilter([1.0], [1.0, -0.5, 0.3, -0.4], rng.normal(size=(4, 1, 3000)))
    est = ARForecaster(order="auto", alpha=0.0, max_order=12, patch_len=10).fit(x)
    assert est.order_ == 3 and est.coef_.shape == (1, 3)
    np.testing.assert_allclose(est.coef_[0], [0.5, -0.3, 0.4], atol=0.05)


def test_ar_forecaster_with_a_fixed_order_records_it(rng):
    assert ARForecaster(order=4, patch_len=5).fit(rng.normal(size=(2, 1, 50))).order_ == 4


def test_sinusoid_forecaster_continues_frequency_and_phase():
    t = np.arange(3000) / 250.0
    X = np.cos(2 * np.pi * 4.0 * t + 0.3)[None, None]
    fc = SinusoidForecaster(horizon=1, patch_len=1500).fit(X[..., :1500])
    assert fc.predict_frequency(X[..., :1500])[0, 0] == pytest.approx(4.0)
    true_phase = np.angle(np.exp(1j * (2 * np.pi * 4.0 * t[1500:] + 0.3)))
    err = np.angle(np.exp(1j * (fc.predict_phase(X[..., :1500])[0, 0] - true_phase)))
    assert np.abs(err).max() < 0.1


# --- selecting the best baseline -----------------------------------------------------------


def test_best_baseline_forecaster_picks_ar_on_an_ar_process_and_refits_it(rng):
    x = lfilter([1.0], [1.0, -1.5, 0.7], rng.normal(size=(30, 2, 300)))
    best = BestBaselineForecaster(horizon=1, patch_len=20).fit(x[..., :280], x[..., 280:])
    assert best.best_name_ == "AR (BIC order)"
    assert best.scores_["AR (BIC order)"] < 0.9 * best.scores_["history mean"]
    np.testing.assert_array_equal(best.predict(x[..., :280]),
                                  best.best_estimator_.predict(x[..., :280]))


def test_best_baseline_forecaster_ranks_its_candidates_on_the_end_of_the_histories(rng):
    x = lfilter([1.0], [1.0, -1.5, 0.7], rng.normal(size=(30, 2, 300)))
    best = BestBaselineForecaster(horizon=1, patch_len=20).fit(x[..., :280], x[..., 280:])
    assert set(best.estimators_) == set(best.scores_)
    assert best.best_estimator_ is best.estimators_[best.best_name_]
    scores = best.rank(x[..., :280])  # like the fit data: the AR is still best
    mean = np.mean((x[:, :, :260].mean(-1, keepdims=True) - x[:, :, 260:280]) ** 2)
    assert scores["history mean"] == pytest.approx(mean)  # the last patch from those before
    assert min(scores, key=scores.get) == "AR (BIC order)"
    noise = 5.0 + rng.normal(size=(30, 2, 280))  # white noise about an offset: the mean
    noisy = best.rank(noise)
    assert noisy["history mean"] < 0.97 * noisy["AR (BIC order)"]
    assert best.rank(noise[..., :20]) == {}  # not longer than the horizon: nothing scored
    assert set(best.rank(noise[..., :40])) == {"history mean", "repeat last patch"}  # AR: 21


def test_best_baseline_forecaster_needs_the_futures(rng):
    with pytest.raises(ValueError, match="pass y, the samples that follow each window"):
        BestBaselineForecaster(horizon=1, patch_len=10).fit(rng.normal(size=(4, 1, 40)))


def test_best_baseline_imputer_scores_every_candidate_on_hidden_samples(rng):
    X = np.cumsum(rng.normal(size=(10, 3, 400)), axis=-1)  # smooth random walks
    best = BestBaselineImputer("gaps", random_state=0).fit(X)
    assert set(best.scores_) == {"linear", "cubic (PCHIP)", "spline", "AR interpolation",
                                 "channel mean", "cross-channel regression"}
    assert best.best_name_ == min(best.scores_, key=best.scores_.get)
    assert best.scores_["linear"] < best.scores_["channel mean"]


def test_best_baseline_imputer_blends_the_channels_own_rhythm_and_the_other_channels():
    X, *_ = make_seeg_windows(n_patients=2, n_chans=6, n_windows=30, n_patches=1,
                              random_state=0)
    best = BestBaselineImputer("gaps", random_state=0, blend=True).fit(X)
    singles = {k: v for k, v in best.scores_.items() if k != "blend of baselines"}
    assert best.best_name_ == "blend of baselines"
    assert best.scores_["blend of baselines"] < 0.97 * min(singles.values())  # out of fold
    weights = best.best_estimator_.weights
    assert weights["AR interpolation"] > 0.2 and weights["cross-channel regression"] > 0.2
    assert min(weights.values()) >= 0.0  # non-negative stacking
    assert "blend of baselines" not in BestBaselineImputer("gaps", random_state=0).fit(X).scores_


def test_best_baseline_imputer_keeps_a_single_baseline_when_a_blend_adds_nothing(rng):
    X = np.cumsum(rng.normal(size=(10, 3, 400)), axis=-1)  # independent random walks
    best = BestBaselineImputer("scattered", random_state=0, blend=True).fit(X)
    assert best.best_name_ != "blend of baselines"
    assert best.best_name_ == min(best.scores_, key=best.scores_.get)


# --- AR interpolation -----------------------------------------------------------------------


def test_ar_imputer_recovers_the_ar_model_and_beats_interpolation_and_the_mean_in_gaps(rng):
    X = _ar2(rng, n_windows=8, n_times=1500, a=(1.6, -0.8))  # a damped 18-Hz rhythm
    imp = ARImputer().fit(X)
    assert imp.order_ == 2
    np.testing.assert_allclose(imp.coef_, [1.6, -0.8], atol=0.05)
    mask = make_missing_mask(X.shape, "gaps", gap_s=(0.02, 0.2), random_state=0)
    err = {name: np.mean((est.fit(X).transform(X, mask=mask) - X)[mask] ** 2)
           for name, est in [("AR", imp), ("linear", InterpolationImputer()),
                             ("mean", ChannelMeanImputer())]}
    assert err["AR"] < 0.8 * min(err["linear"], err["mean"])


def test_ar_imputer_fills_one_sample_with_its_conditional_mean(rng):
    X = _ar2(rng, n_times=400, a=(0.8, 0.0))
    imp = ARImputer(order=1).fit(X)
    a = imp.coef_[0]
    mask = np.zeros(X.shape, dtype=bool)
    mask[0, 0, 200] = True
    centre = X[0, 0][~mask[0, 0]].mean()
    expected = centre + a / (1 + a ** 2) * (X[0, 0, 199] + X[0, 0, 201] - 2 * centre)
    out = imp.transform(X, mask=mask)
    assert out[0, 0, 200] == pytest.approx(expected, rel=1e-6)
    np.testing.assert_array_equal(out[~mask], X[~mask])


def test_ar_imputer_fills_a_channel_without_observations_with_its_fit_mean(rng):
    X = rng.normal(size=(4, 2, 200)) + np.array([1.0, -2.0])[:, None]
    imp = ARImputer(max_order=4).fit(X)
    gappy = X.copy()
    gappy[1, 1] = np.nan
    out = imp.transform(gappy)
    np.testing.assert_allclose(out[1, 1], X[:, 1].mean())
    np.testing.assert_array_equal(out[0], X[0])


def test_ar_imputer_needs_complete_channels_to_fit():
    with pytest.raises(ValueError, match="complete channels of X"):
        ARImputer().fit(np.full((2, 1, 50), np.nan))


# --- channel imputers ----------------------------------------------------------------------


def test_channel_mean_imputer_fills_with_the_observed_mean_and_the_fit_mean(rng):
    X = rng.normal(size=(2, 2, 50)) + 3.0
    mask = np.zeros(X.shape, dtype=bool)
    mask[0, 0, :10] = True
    mask[1, 1] = True  # a whole channel
    imp = ChannelMeanImputer().fit(X)
    out = imp.transform(X, mask=mask)
    assert np.allclose(out[0, 0, :10], X[0, 0, 10:].mean())
    assert np.allclose(out[1, 1], X[:, 1].mean())
    np.testing.assert_array_equal(out[~mask], X[~mask])


def test_channel_regression_imputer_recovers_a_linear_mix_of_channels(rng):
    sources = rng.normal(size=(6, 2, 300))
    X = np.concatenate([sources, sources[:, :1] - 0.5 * sources[:, 1:]], axis=1)
    imp = ChannelRegressionImputer(alpha=1e-8).fit(X)
    np.testing.assert_allclose(imp.estimators_[2].coef_, [1.0, -0.5], atol=1e-6)
    assert imp.r2_[2] == pytest.approx(1.0)
    gappy = X.copy()
    gappy[:, 2] = np.nan
    np.testing.assert_allclose(imp.transform(gappy), X, atol=1e-6)


def test_adapted_channel_regression_learns_the_mixing_of_the_windows_being_filled(rng):
    sources = rng.normal(size=(6, 2, 20000))  # 40000 instants per pair, vs 22500 of prior
    fit = np.concatenate([sources, sources[:, :1] + sources[:, 1:]], axis=1)
    new = np.concatenate([sources, sources[:, :1] - 0.5 * sources[:, 1:]], axis=1)  # other mix
    mask = np.zeros(new.shape, dtype=bool)
    mask[np.arange(6), np.arange(6) % 3] = True  # one whole channel per window, in turn
    errors = {adapt: np.mean((ChannelRegressionImputer(alpha=1e-8, adapt=adapt).fit(fit)
                              .transform(new, mask=mask) - new)[mask] ** 2)
              for adapt in (False, True)}
    assert errors[True] < 0.3 * errors[False] and errors[False] > 2.0


def test_adapted_channel_regression_falls_back_to_the_fit_data_on_one_window(rng):
    sources = rng.normal(size=(4, 2, 300))
    X = np.concatenate([sources, sources[:, :1] - 0.5 * sources[:, 1:]], axis=1)
    gappy = X[:1].copy()
    gappy[0, 2] = np.nan  # never observed in the data filled: nothing to adapt to
    fitted = ChannelRegressionImputer(alpha=1e-8).fit(X)
    adapted = ChannelRegressionImputer(alpha=1e-8, adapt=True).fit(X)
    np.testing.assert_array_equal(adapted.transform(gappy), fitted.transform(gappy))


def test_window_channel_regression_follows_mixing_that_changes_between_windows(rng):
    """Channel 2 follows channel 0 with a sign that flips from window to window: pooled
    over the windows the two cancel out, each window's own samples tell them apart."""
    sources = rng.normal(size=(8, 2, 3000))
    sign = np.where(np.arange(8) % 2, 1.0, -1.0)[:, None]
    X = np.concatenate([sources, sign[:, None] * sources[:, :1]
                        + 0.05 * rng.normal(size=(8, 1, 3000))], axis=1)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, 2, 1000:2000] = True  # a patch of channel 2 in every window
    errors = {adapt: np.mean((ChannelRegressionImputer(alpha=1e-8, adapt=adapt).fit(X)
                              .transform(X, mask=mask) - X)[mask] ** 2)
              for adapt in (True, "window")}
    # 2000 complete instants a window, pooled with the windows' covariance (no link
    # between channels 0 and 2) as 1000: 2/3 of the slope, an error near (1/3)^2
    assert errors[True] > 0.9 and errors["window"] == pytest.approx(1 / 9, rel=0.15)


def test_window_channel_regression_fills_whole_channels_as_adapt_true(rng):
    sources = rng.normal(size=(4, 2, 3000))
    X = np.concatenate([sources, sources[:, :1] - 0.5 * sources[:, 1:]], axis=1)
    gappy = X.copy()
    gappy[0, 2] = np.nan  # a whole channel, and a gap of another channel in that window
    gappy[0, 1, 100:400] = np.nan
    gappy[1:, 0, 2000:2500] = np.nan
    window = ChannelRegressionImputer(adapt="window").fit(X).transform(gappy)
    pooled = ChannelRegressionImputer(adapt=True).fit(X).transform(gappy)
    np.testing.assert_array_equal(window[0, 2], pooled[0, 2])
    assert not np.allclose(window[1:, 0, 2000:2500], pooled[1:, 0, 2000:2500])
    np.testing.assert_array_equal(window[~np.isnan(gappy)], X[~np.isnan(gappy)])
    assert np.isfinite(window).all()
    with pytest.raises(ValueError, match="adapt"):
        ChannelRegressionImputer(adapt="windows").fit(X)


@pytest.mark.parametrize(("adapt", "residual"), [(False, "ar"), (True, "ar"), ("window", "ar"),
                                               ("window", "linear"), ("window", "spline")])
def test_channel_regression_carries_its_residual_into_the_gaps(rng, adapt, residual):
    """Channel 0 is twice channel 1 plus a slow rhythm the other channel does not
    explain: the regression alone misses the rhythm, its residual at the observed
    samples carried into short gaps (AR interpolation, or interpolation) recovers it."""
    t = np.arange(3000) / 250.0
    source = rng.normal(size=(6, 1, 3000))
    rhythm = np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6, size=(6, 1, 1)))
    X = np.concatenate([2 * source + rhythm, source], axis=1)
    mask = np.zeros(X.shape, dtype=bool)
    for start in range(100, 2900, 250):
        mask[:, 0, start:start + 25] = True  # 0.1-s gaps of channel 0
    plain = ChannelRegressionImputer(alpha=1e-8, adapt=adapt).fit(X)
    carried = ChannelRegressionImputer(alpha=1e-8, adapt=adapt, residual=residual).fit(X)
    if residual == "ar":  # fitted on the fit data's residuals, not on zeros
        assert carried.residual_.order_ >= 1 and np.abs(carried.residual_.coef_).sum() > 0.5
    else:
        assert carried.residual_.kind == residual
    errors = {name: np.mean((imp.transform(X, mask=mask) - X)[mask] ** 2)
              for name, imp in (("plain", plain), ("carried", carried))}
    assert errors["plain"] > 0.3  # the rhythm's power is 0.5, what the regression leaves
    # interpolating the residual, noise included, is a little less exact than the AR
    assert errors["carried"] < (0.01 if residual == "ar" else 0.05) * errors["plain"]
    out = carried.transform(X, mask=mask)
    np.testing.assert_array_equal(out[~mask], X[~mask])
    whole = mask.copy()
    whole[0, 0] = True  # a channel missing from its whole window: no residual to carry
    offset = carried.residual_.mean_[0] if residual == "ar" else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about the channel with nothing to carry
        whole_fill = carried.transform(X, mask=whole)[0, 0]
    np.testing.assert_allclose(whole_fill, plain.transform(X, mask=whole)[0, 0] + offset,
                               atol=1e-9)
    with pytest.raises(ValueError, match="residual"):
        ChannelRegressionImputer(residual="AR").fit(X)


def test_channel_regression_imputer_needs_two_channels():
    with pytest.raises(ValueError, match="at least 2 channels"):
        ChannelRegressionImputer().fit(np.zeros((2, 1, 10)))


# --- missing patterns and shrinkage --------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS)
def test_make_missing_mask_draws_the_named_pattern(pattern):
    mask = make_missing_mask((6, 4, 3000), pattern, random_state=0)
    named = missing_pattern(mask)
    assert (named[named != ""] == pattern).all() and mask.any()
    if pattern == "scattered":
        assert mask.mean() == pytest.approx(0.4, abs=0.01)
    if pattern == "gaps":
        assert (mask.mean(axis=-1) >= 0.2).all() and mask.mean() < 0.35


def test_missing_pattern_names_complete_rows_with_an_empty_string():
    assert missing_pattern(np.zeros((2, 3, 100), dtype=bool)).tolist() == [[""] * 3] * 2


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


def test_ar_forecaster_keeps_its_recursion_stable_on_growing_data():
    """Least squares on a growing series gives a root outside the unit circle (the AR(1)
    fit of exp(0.01 t) is 1.01); the fitted lags pull it onto the circle, so a long forecast
    stays bounded instead of growing as 1.01**2000 (~4e8 times)."""
    X = np.exp(0.01 * np.arange(400))[None, None] * np.ones((3, 1, 1))
    ar = ARForecaster(order=2, horizon=1, patch_len=2000, alpha=0.0).fit(X)
    radius = np.abs(np.roots(np.r_[1.0, -ar.coef_[0]])).max()
    assert radius == pytest.approx(1.0, abs=1e-9)
    forecast = ar.predict(X)
    assert np.isfinite(forecast).all() and np.abs(forecast).max() < 10 * np.abs(X).max()
    stable = ARForecaster(order=2, horizon=1, patch_len=50, alpha=1.0).fit(
        np.random.default_rng(0).standard_normal((4, 1, 500)))
    assert np.abs(np.roots(np.r_[1.0, -stable.coef_[0]])).max() < 1.0  # left as fitted


def test_rank_reweighs_the_blend_on_the_windows_filled(rng):
    """Fitted on clean rhythms (the AR leads the blend), ranked on white noise (the mean is
    right): the blend re-weighted on the windows themselves, scored out of fold, beats the
    fitted blend and matches the best single candidate; whole patches are too few for it."""
    t = np.arange(1000) / 250.0
    fit = np.sin(2 * np.pi * rng.uniform(1, 3, (20, 2, 1)) * t) + 0.01 * rng.normal(
        size=(20, 2, 1000))
    noise = rng.normal(size=(8, 2, 1000))
    scores = BestBaselineImputer(random_state=0, blend=True).fit(fit).rank(
        noise, np.zeros(noise.shape, dtype=bool), random_state=0)
    singles = min(v for k, v in scores.items() if not k.startswith("blend"))
    assert scores["blend of baselines, adapted"] < 0.95 * scores["blend of baselines"]
    assert scores["blend of baselines, adapted"] <= 1.01 * singles
    patch = BestBaselineImputer("patch", patch_len=250, random_state=0, blend=True).fit(fit)
    assert "blend of baselines, adapted" not in patch.rank(noise, np.zeros(noise.shape, bool))


def test_clearly_better_switches_only_on_a_gain_above_margin_and_noise():
    from bptlearn.baselines._backtest import clearly_better

    fitted = np.ones(8)
    noisy = np.array([0.0, 1.8] * 4) - 0.1  # mean 0.8 (20 % better), paired gain 1.1 / -0.7
    steady = np.full(8, 0.9)  # 10 % better on every row
    slight = np.full(8, 0.98)  # 2 % better on every row: under the 3 % margin
    assert clearly_better({"fit": fitted, "noisy": noisy}, "fit") == "fit"
    assert clearly_better({"fit": fitted, "noisy": noisy, "steady": steady}, "fit") == "steady"
    assert clearly_better({"fit": fitted, "steady": steady}, "fit") == "steady"
    assert clearly_better({"fit": fitted, "slight": slight}, "fit") == "fit"
    assert clearly_better({"steady": steady}, "fit") == "fit"  # the fitted one not scored
    # a wide margin switches on the mean alone: a gain that differs across rows
    assert clearly_better({"fit": fitted, "noisy": noisy}, "fit", wide=0.85) == "noisy"
    assert clearly_better({"fit": fitted, "noisy": noisy}, "fit", wide=0.75) == "fit"


def test_row_errors_average_to_the_pooled_mse_per_channel_window(rng):
    from bptlearn.baselines._select_impute import _row_errors

    probe = np.zeros((2, 3, 10), dtype=bool)
    probe[0, 0, :2] = probe[0, 2, :6] = probe[1, 1, :4] = True  # 3 rows of 2, 6, 4 samples
    fill, target = rng.normal(size=(2, 12))
    errors = _row_errors(fill, target, probe)
    sq = (fill - target) ** 2
    assert errors == pytest.approx([sq[:2].sum() / 4, sq[2:8].sum() / 4, sq[8:].sum() / 4])
    assert errors.mean() == pytest.approx(sq.mean())


def test_blend_is_anchored_on_the_channel_mean(rng):
    """The weight the candidates leave goes to the window's own channel mean, not to 0:
    a blend of half the linear interpolation follows a window's offset."""
    from bptlearn.baselines._impute import _BlendImputer

    X = 100.0 + rng.normal(size=(3, 2, 50))
    mask = np.zeros(X.shape, dtype=bool)
    mask[..., 20:30] = True
    linear, mean = InterpolationImputer("linear").fit(X), ChannelMeanImputer().fit(X)
    blend = _BlendImputer({"linear": linear}, {"linear": 0.5}, mean).fit(X)
    expected = 0.5 * (linear.transform(X, mask=mask) + mean.transform(X, mask=mask))
    assert np.allclose(blend.transform(X, mask=mask)[mask], expected[mask])
    assert abs(blend.transform(X, mask=mask)[mask].mean() - 100.0) < 1.0


def test_stack_with_only_the_anchor_within_reach_fills_the_anchor(rng):
    from bptlearn.baselines._select_impute import _stack

    target = rng.normal(size=40)
    base = target + 0.01 * rng.normal(size=40)  # the anchor: nearly exact
    far = target + 10 * rng.normal(size=40)  # over 10 times worse: left out
    fill, weights = _stack({"mean": base.copy(), "far": far}, target, np.arange(40) % 2, base)
    assert weights == {} and np.array_equal(fill, base)


def test_rank_hides_another_patch_of_a_single_channel(rng):
    """A single channel that already misses a patch has no other channel to hide: the
    check hides one of its patches that is still complete, never a missing sample, and
    ranks the candidates there (white noise: the channel mean beats the
    interpolators)."""
    noise = rng.normal(size=(12, 1, 750))
    missing = np.zeros(noise.shape, dtype=bool)
    missing[:, :, 250:500] = True  # the middle patch of every window
    select = BestBaselineImputer("patch", patch_len=250, random_state=0).fit(noise)
    X, already, probe, block = select._probe(noise, missing, random_state=0)
    assert block == 12 and probe.sum(axis=-1).tolist() == [[250]] * 12
    assert not (probe & already).any()
    starts = [int(np.flatnonzero(p[0])[0]) for p in probe]
    assert set(starts) == {0, 500}  # the first or the last patch, drawn per window
    scores = select.rank(noise, missing, random_state=0)
    assert scores["channel mean"] == min(scores.values())  # (the AR of noise: its mean)
    assert scores["linear"] > 1.5 * scores["channel mean"]
