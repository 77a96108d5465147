"""The forecasting baselines and the choice among them."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, lfilter, sosfiltfilt
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import InvalidParameterError

from bptlearn.baselines import (
    ARForecaster,
    BestBaselineForecaster,
    HistoryARForecaster,
    MeanForecaster,
    RepeatLastForecaster,
    SinusoidForecaster,
)
from bptlearn.data import make_seeg_windows
from bptlearn.exceptions import ChannelMismatchError
from bptlearn.metrics import mae

from ..helpers import ar2

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
    est = ARForecaster(order=2, alpha=0.0, patch_len=10).fit(ar2(rng))
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


def test_ar_forecaster_fits_float32_windows_as_float64_ones(rng):
    # band-limited windows (a recording resampled up: nothing above 0.65 x Nyquist) of
    # different levels and amplitudes make the lags nearly collinear; a float32 sum of
    # their products over 900 000 samples loses the digits that the order chosen by
    # BIC and the coefficients depend on (order 16 instead of 20 before the fix)
    sos = butter(8, 0.65, output="sos")
    noise = rng.normal(size=(200, 1, 4500)) * rng.lognormal(0.0, 1.0, (200, 1, 1))
    X = sosfiltfilt(sos, lfilter([1.0], [1.0, -0.98], noise, axis=-1), axis=-1)
    X += rng.normal(0.0, 30.0, (200, 1, 1))
    fits = [ARForecaster(order="auto", max_order=20, patch_len=100).fit(X.astype(dtype))
            for dtype in (np.float32, np.float64)]
    assert fits[0].order_ == fits[1].order_ == 20
    np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, atol=1e-3)
    np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, atol=1e-3)


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


# --- HistoryARForecaster --------------------------------------------------------------------


def test_history_ar_equals_an_ar_forecaster_fitted_on_each_window_alone(rng):
    """One AR per window (pooled over its channels, or one per channel), its order by BIC
    on that window: what ARForecaster fitted on the window by itself forecasts."""
    X = np.concatenate([ar2(rng, 3, 600), ar2(rng, 3, 600, a=(0.3, 0.2))], axis=1)  # 2 chans
    X[1] += 40.0  # another level: each window is centred on its own mean
    for per_channel in (False, True):
        ours = HistoryARForecaster(horizon=1, patch_len=50, max_order=6, alpha=0.0,
                                   per_channel=per_channel).fit(X[:1]).predict(X)
        one_by_one = np.concatenate([
            ARForecaster(order="auto", max_order=6, horizon=1, patch_len=50, alpha=0.0,
                         per_channel=per_channel).fit(X[i:i + 1]).predict(X[i:i + 1])
            for i in range(len(X))])
        np.testing.assert_allclose(ours, one_by_one, rtol=1e-8, atol=1e-8)
    fc = HistoryARForecaster(horizon=1, patch_len=50, max_order=6).fit(X)
    pred = fc.predict(X)
    np.testing.assert_allclose(fc.predict(X[1:2]), pred[1:2], rtol=1e-12)  # its own window
    # the penalty is in units of each history's variance: the units of X do not matter
    np.testing.assert_allclose(fc.predict(1e3 * X - 7.0), 1e3 * pred - 7.0, rtol=1e-9, atol=1e-6)


def test_history_ar_follows_each_window_where_one_fitted_ar_averages_them(rng):
    """Windows of two AR(2) rhythms: one AR fitted on all of them forecasts the next
    sample worse than an AR fitted on each history, which is near the innovation
    variance (1)."""
    X = np.concatenate([ar2(rng, 20, 601, a=(1.6, -0.9)), ar2(rng, 20, 601, a=(-0.5, 0.3))])
    history, future = X[..., :600], X[..., 600:]
    fitted = ARForecaster(order="auto", max_order=10, horizon=1, patch_len=1).fit(history)
    own = HistoryARForecaster(horizon=1, patch_len=1, max_order=10).fit(history)
    mse = {name: np.mean((est.predict(history) - future) ** 2)
           for name, est in (("fitted", fitted), ("own", own))}
    assert mse["own"] < 0.7 * mse["fitted"] and mse["own"] < 1.5, mse


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
