"""The imputation baselines, missing patterns and the choice among them."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.ndimage import gaussian_filter1d
from sklearn.linear_model import LinearRegression
from sklearn.utils._param_validation import InvalidParameterError

from bptlearn.baselines import (
    PATTERNS,
    ARImputer,
    BestBaselineImputer,
    ChannelMeanImputer,
    ChannelRegressionImputer,
    InterpolationImputer,
    WindowARImputer,
    make_missing_mask,
    missing_pattern,
)
from bptlearn.data import make_seeg_windows
from bptlearn.exceptions import BPTWarning

from ..helpers import ar2

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


def test_best_baseline_imputer_scores_every_candidate_on_hidden_samples(rng):
    X = np.cumsum(rng.normal(size=(10, 3, 400)), axis=-1)  # smooth random walks
    best = BestBaselineImputer("gaps", random_state=0).fit(X)
    assert set(best.scores_) == {"linear", "cubic (PCHIP)", "spline", "AR interpolation",
                                 "AR interpolation on each window", "channel mean",
                                 "cross-channel regression"}
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
    own_rhythm = weights["AR interpolation"] + weights["AR interpolation on each window"]
    assert own_rhythm > 0.2 and weights["cross-channel regression"] > 0.2
    assert min(weights.values()) >= 0.0  # non-negative stacking
    assert "blend of baselines" not in BestBaselineImputer("gaps", random_state=0).fit(X).scores_


def test_best_baseline_imputer_keeps_a_single_baseline_when_a_blend_adds_nothing(rng):
    X = np.cumsum(rng.normal(size=(10, 3, 400)), axis=-1)  # independent random walks
    best = BestBaselineImputer("scattered", random_state=0, blend=True).fit(X)
    assert best.best_name_ != "blend of baselines"
    assert best.best_name_ == min(best.scores_, key=best.scores_.get)


# --- AR interpolation -----------------------------------------------------------------------


def test_ar_imputer_recovers_the_ar_model_and_beats_interpolation_and_the_mean_in_gaps(rng):
    X = ar2(rng, n_windows=8, n_times=1500, a=(1.6, -0.8))  # a damped 18-Hz rhythm
    imp = ARImputer().fit(X)
    assert imp.order_ == 2
    np.testing.assert_allclose(imp.coef_, [1.6, -0.8], atol=0.05)
    mask = make_missing_mask(X.shape, "gaps", gap_s=(0.02, 0.2), random_state=0)
    err = {name: np.mean((est.fit(X).transform(X, mask=mask) - X)[mask] ** 2)
           for name, est in [("AR", imp), ("linear", InterpolationImputer()),
                             ("mean", ChannelMeanImputer())]}
    assert err["AR"] < 0.8 * min(err["linear"], err["mean"])


def test_ar_imputer_fills_one_sample_with_its_conditional_mean(rng):
    X = ar2(rng, n_times=400, a=(0.8, 0.0))
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


# --- WindowARImputer -----------------------------------------------------------------------


def test_window_ar_imputer_fits_each_window_on_its_complete_runs(rng):
    """Order fixed, no penalty: a window's lag coefficients are the least squares (with an
    intercept) of each sample on its lags over the runs where all are observed, pooled
    over the window's channels, each centred on the mean of its observed samples; the
    fill is ARImputer's with those coefficients."""
    X = np.concatenate([ar2(rng, 3, 600), ar2(rng, 3, 600, a=(0.3, 0.2))], axis=1)  # 2 chans
    X[1, 1] += 40.0  # another level in one channel
    mask = make_missing_mask(X.shape, "gaps", gap_s=(0.1, 0.3), random_state=0)
    ours = WindowARImputer(order=3, alpha=0.0).fit(X).transform(X, mask=mask)
    centred = X - np.nanmean(np.where(mask, np.nan, X), axis=-1, keepdims=True)
    for w in range(len(X)):
        runs = [(centred[w, c, t - 3:t][::-1], centred[w, c, t]) for c in range(2)
                for t in range(3, X.shape[-1]) if not mask[w, c, t - 3:t + 1].any()]
        lags, target = (np.array(a) for a in zip(*runs, strict=True))
        ref = ARImputer(order=3).fit(X[w:w + 1])
        ref.coef_ = LinearRegression().fit(lags, target).coef_
        np.testing.assert_allclose(ours[w], ref.transform(X[w:w + 1], mask=mask[w:w + 1])[0],
                                   rtol=1e-8, atol=1e-8)
    imp = WindowARImputer(max_order=6).fit(X)
    full = imp.transform(X, mask=mask)
    np.testing.assert_allclose(imp.transform(X[1:2], mask=mask[1:2]), full[1:2], rtol=1e-12)
    # the penalty is in units of each window's variance: the units of X do not matter
    np.testing.assert_allclose(imp.transform(1e3 * X - 7.0, mask=mask), 1e3 * full - 7.0,
                               rtol=1e-9, atol=1e-6)
    by_channel = WindowARImputer(max_order=6, per_channel=True).fit(X).transform(X, mask=mask)
    for c in range(2):  # one model per channel: each channel filled as if alone
        alone = imp.transform(X[:, c:c + 1], mask=mask[:, c:c + 1])
        np.testing.assert_allclose(by_channel[:, c:c + 1], alone, rtol=1e-12)


def test_window_ar_imputer_follows_each_window_where_one_fitted_ar_averages_them(rng):
    """Windows of two AR(2) rhythms (at 0.09 and 0.25 cycles per sample): one AR fitted on
    all of them fills short gaps worse than an AR fitted on each window (measured: 22 %)."""
    X = np.concatenate([ar2(rng, 10, 1500, a=(1.6, -0.9)), ar2(rng, 10, 1500, a=(0.0, -0.9))])
    mask = make_missing_mask(X.shape, "gaps", gap_s=(0.02, 0.06), random_state=0)
    err = {name: np.mean((est.fit(X).transform(X, mask=mask) - X)[mask] ** 2)
           for name, est in (("fitted", ARImputer()), ("own", WindowARImputer()))}
    assert err["own"] < 0.85 * err["fitted"], err


def test_window_ar_imputer_fills_with_the_mean_where_too_little_is_observed_in_runs(rng):
    """Scattered samples leave no run of 21 observed samples: each channel of each window
    gets the mean of its observed samples; a channel with none, its mean in the fit data."""
    X = ar2(rng, 2, 600) + 5.0
    mask = make_missing_mask(X.shape, "scattered", rate=0.4, random_state=0)
    mask[1] = True
    out = WindowARImputer().fit(X).transform(X, mask=mask)
    np.testing.assert_allclose(out[0, 0][mask[0, 0]], X[0, 0][~mask[0, 0]].mean(), rtol=1e-12)
    np.testing.assert_allclose(out[1, 0], X[:, 0].mean(), rtol=1e-12)
    np.testing.assert_array_equal(out[~mask], X[~mask])


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


def test_window_channel_regression_counts_every_instant_its_channel_is_observed(rng):
    """Channel 1 is twice channel 0 in this window and minus channel 0 in the fit data.
    Channel 2 (noise) is seen in 10 % of the window only, so just 300 instants are
    complete: counted alone, against the prior's 1000, they left the fit data's mixing
    in charge (relative error 0.96). Counting the 2700 instants at which channel 1 is
    observed (channel 2 interpolated), the window's own mixing leads. The prior enters
    at the window's variances (channel 1 has 4 times the fit data's), so its wrong
    mixing weighs a little more than in the fit data's units: 0.21 against 0.17."""
    s = rng.normal(size=(4, 1, 3000))
    X_fit = np.concatenate([s, -s, rng.normal(size=s.shape)], axis=1)
    t = rng.normal(size=(1, 1, 3000))
    X = np.concatenate([t, 2 * t, rng.normal(size=t.shape)], axis=1)
    gappy = X.copy()
    gappy[0, 1, 1000:1300] = np.nan
    gappy[0, 2, 300:] = np.nan
    filled = ChannelRegressionImputer(adapt="window").fit(X_fit).transform(gappy)
    error = np.mean((filled[0, 1, 1000:1300] - X[0, 1, 1000:1300]) ** 2) / np.var(X[0, 1])
    assert error < 0.25


def test_window_prior_is_chosen_on_the_window_where_the_fit_data_mix_otherwise(rng):
    """``window_prior``: instants the pooled covariance counts as in a window's
    regression. Channel 1 is minus channel 0 in the fit data and twice it in the window,
    where it is observed for 2000 instants: the default prior (1000 instants) pulls the
    fill towards the fit data's mixing; the window alone (0) is exact, and ``'auto'``,
    which tries the weights on halves of the channel's observed instants, finds that.
    Where the fit data mix like the windows and they are short (15 instants observed for
    7 other channels), ``'auto'`` keeps a prior and beats the windows alone."""
    def error(X_fit, X, gap, **params):
        gappy = X.copy()
        gappy[:, 1, gap] = np.nan
        filled = ChannelRegressionImputer(adapt="window", **params).fit(X_fit).transform(gappy)
        return np.mean((filled[:, 1, gap] - X[:, 1, gap]) ** 2) / np.var(X[:, 1])

    s, t = rng.normal(size=(4, 1, 3000)), rng.normal(size=(1, 1, 3000))
    X_fit = np.concatenate([s, -s + 0.1 * rng.normal(size=s.shape)], axis=1)
    X = np.concatenate([t, 2 * t], axis=1)
    unlike = {wp: error(X_fit, X, slice(1000, 2000), window_prior=wp) for wp in (0, "auto")}
    assert max(unlike.values()) < 1e-3 < 0.01 < error(X_fit, X, slice(1000, 2000))

    def mix(others):  # channel 1 is channel 0 plus noise; 6 channels of noise beside
        n, _, T = others.shape
        return np.concatenate([others[:, :1], others[:, :1] + 0.5 * rng.normal(size=(n, 1, T)),
                               others[:, 1:]], axis=1)

    X_fit, X = mix(rng.normal(size=(4, 7, 3000))), mix(rng.normal(size=(20, 7, 30)))
    like = {wp: error(X_fit, X, slice(5, 20), window_prior=wp) for wp in (0, "auto")}
    assert like["auto"] < 0.7 * like[0]
    # a window whose other channel is missing throughout: nothing to weigh, the default
    gappy = X_fit[:1, :2].copy()
    gappy[0, 0] = np.nan
    gappy[0, 1, 100:200] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fills = [ChannelRegressionImputer(adapt="window", window_prior=wp).fit(
            X_fit[:, :2]).transform(gappy) for wp in ("auto", 1000)]
    np.testing.assert_array_equal(*fills)
    for bad in (-1, "automatic"):
        with pytest.raises(ValueError, match="window_prior"):
            ChannelRegressionImputer(adapt="window", window_prior=bad).fit(X_fit)


def test_window_regression_reads_no_channel_inside_a_gap(rng):
    """Channel 1 is channel 0 plus noise, channel 2 is channel 1 minus half channel 0.
    Where channels 1 and 2 miss the same second, channel 1 interpolated there is a
    straight line: read with weight 1 beside channel 0's -0.5, it left an error 5 times
    channel 2's variance; channel 2 is now regressed on channel 0 alone there (0.17).
    Scattered missing samples of channel 1 interpolate well and are still read."""
    def smooth(shape):  # a slow signal, which linear interpolation bridges over 1 sample
        return gaussian_filter1d(rng.normal(size=shape), 5.0, axis=-1) * 5.0

    s = smooth((1, 1, 3000))
    one = s + 0.3 * smooth(s.shape)
    X = np.concatenate([s, one, one - 0.5 * s], axis=1)
    imp = ChannelRegressionImputer(adapt="window").fit(X)

    def error(ones_missing):
        gappy = X.copy()
        gappy[0, 2, 1000:1250] = np.nan
        gappy[0, 1, ones_missing] = np.nan
        filled = imp.transform(gappy)
        return np.mean((filled[0, 2, 1000:1250] - X[0, 2, 1000:1250]) ** 2) / np.var(X[0, 2])

    assert error(slice(1000, 1250)) < 0.4  # a gap of channel 1: channel 0 alone
    assert error(slice(1001, 1250, 3)) < 0.05 > error(slice(0, 0))  # scattered: read


def test_window_prior_auto_reads_the_channels_observed_where_the_channel_is_missing(rng):
    """Channel 1 is channel 0 plus noise, channel 2 is channel 1 minus half channel 0.
    ``'auto'``, which trusts the window more than the prior, regresses channel 2 on the
    channels observed wherever it is missing (channel 0 alone where channel 1 misses the
    same second) and learns from the complete instants only (channel 1 missing elsewhere
    in the window is not learnt from as a straight line): 3.6 times channel 2's variance
    off before either rule."""
    def windows(n):
        s = rng.normal(size=(n, 1, 3000))
        one = s + 0.3 * rng.normal(size=s.shape)
        return np.concatenate([s, one, one - 0.5 * s], axis=1)

    X_fit, X = windows(4), windows(1)
    for gap_of_1 in (slice(1000, 1250), slice(2000, 2750)):  # the same second, or others
        gappy = X.copy()
        gappy[0, 2, 1000:1250] = np.nan
        gappy[0, 1, gap_of_1] = np.nan
        filled = ChannelRegressionImputer(adapt="window", window_prior="auto").fit(
            X_fit).transform(gappy)
        error = np.mean((filled[0, 2, 1000:1250] - X[0, 2, 1000:1250]) ** 2)
        assert error / np.var(X[0, 2]) < 0.4


@pytest.mark.parametrize("adapt", [True, "window"])
def test_adapted_regression_does_not_depend_on_the_units_of_the_windows_filled(rng, adapt):
    """The fit data's covariance is a prior on how channels mix, not on their size:
    windows in other units (mV against µV) or with another gain get the same fill, in
    their units. Counted in the fit data's units, the prior vanished beside windows
    1000 times larger and outweighed windows 1000 times smaller."""
    s = rng.normal(size=(4, 2, 3000))
    X_fit = np.concatenate([s, s[:, :1] + s[:, 1:]], axis=1)
    t = rng.normal(size=(2, 2, 3000))
    X = np.concatenate([t, t[:, :1] - 0.5 * t[:, 1:]], axis=1)
    X[:, 2] += 0.3 * rng.normal(size=(2, 3000))
    gappy = X.copy()
    gappy[0, 2, 500:1500] = np.nan
    gappy[1, 0, 2000:2600] = np.nan
    imp = ChannelRegressionImputer(adapt=adapt).fit(X_fit)
    filled = imp.transform(gappy)
    for gain in (1e-3, 1e3):
        np.testing.assert_allclose(imp.transform(gappy * gain), filled * gain, rtol=1e-6,
                                   atol=1e-9 * gain)


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
                                               ("window", "window_ar"), ("window", "linear"),
                                               ("window", "spline")])
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
    elif residual == "window_ar":  # fitted on each window's residual when it is filled
        assert isinstance(carried.residual_, WindowARImputer)
    else:
        assert carried.residual_.kind == residual
    errors = {name: np.mean((imp.transform(X, mask=mask) - X)[mask] ** 2)
              for name, imp in (("plain", plain), ("carried", carried))}
    assert errors["plain"] > 0.3  # the rhythm's power is 0.5, what the regression leaves
    # interpolating the residual, noise included, is a little less exact than the AR
    assert errors["carried"] < (0.01 if residual in ("ar", "window_ar") else 0.05) * errors["plain"]
    out = carried.transform(X, mask=mask)
    np.testing.assert_array_equal(out[~mask], X[~mask])
    whole = mask.copy()
    whole[0, 0] = True  # a channel missing from its whole window: no residual to carry
    offset = carried.residual_.mean_[0] if residual in ("ar", "window_ar") else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about the channel with nothing to carry
        whole_fill = carried.transform(X, mask=whole)[0, 0]
    np.testing.assert_allclose(whole_fill, plain.transform(X, mask=whole)[0, 0] + offset,
                               atol=1e-9)
    with pytest.raises(ValueError, match="residual"):
        ChannelRegressionImputer(residual="AR").fit(X)


def test_window_ar_residual_follows_a_rhythm_the_fit_data_did_not_have(rng):
    """What the other channels miss is a 3-Hz rhythm in the fit data and a 9-Hz one in the
    windows filled: the fit data's AR carries 3 Hz into each 0.4-s gap, the AR fitted on
    each window's own residual carries 9 Hz."""
    t = np.arange(3000) / 250.0

    def windows(freq):
        source = rng.normal(size=(6, 1, 3000))
        rhythm = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6, size=(6, 1, 1)))
        return np.concatenate([2 * source + rhythm, source], axis=1)

    X_fit, X = windows(3.0), windows(9.0)
    mask = np.zeros(X.shape, dtype=bool)
    for start in range(100, 2800, 500):
        mask[:, 0, start:start + 100] = True
    errors = {kind: np.mean((ChannelRegressionImputer(adapt="window", residual=kind)
                             .fit(X_fit).transform(X, mask=mask) - X)[mask] ** 2)
              for kind in ("ar", "window_ar")}
    assert errors["window_ar"] < 0.2 * errors["ar"]


def test_channel_regression_imputer_needs_two_channels():
    with pytest.raises(ValueError, match="at least 2 channels"):
        ChannelRegressionImputer().fit(np.zeros((2, 1, 10)))


# --- missing patterns ----------------------------------------------------------------------


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


def test_gap_probes_draw_twice_per_window_with_its_copies_in_one_fold(rng, monkeypatch):
    """A window holds few gaps: the check scores each window in 2 copies with other
    draws, and the re-weighted blend fits its weights on whole windows (both copies of
    a window in the same fold; with an odd count of windows, a fold by copy index would
    split them and score a window with weights fitted on its own copy)."""
    from bptlearn.baselines import _select_impute

    select = BestBaselineImputer("gaps", random_state=0, blend=True).fit(
        rng.normal(size=(30, 2, 1000)))
    noise = rng.normal(size=(7, 2, 1000))
    X, already, probe, block = select._probe(noise, np.zeros(noise.shape, bool), random_state=0)
    assert block == 7 and X.shape == (14, 2, 1000) and np.array_equal(X[:7], X[7:])
    assert probe[:7].any() and not np.array_equal(probe[:7], probe[7:])  # other draws
    folds = []

    def spy(fills, target, fold, base, stack=_select_impute._stack):
        folds.append(fold)
        return stack(fills, target, fold, base)

    monkeypatch.setattr(_select_impute, "_stack", spy)
    errors, adapted = select._scores(X, already, probe, block)
    assert adapted is not None and len(folds) == 1
    window = np.nonzero(probe)[0] % 7  # the window of each probed sample
    assert all(np.unique(folds[0][window == w]).size == 1 for w in range(7))
    assert set(np.unique(folds[0])) == {0, 1}


def test_patch_check_scores_the_channel_that_misses_a_patch(rng):
    """How well a channel is read depends on the channel: the check hides another patch
    of the channel that misses one, not a patch of a channel away from it; the same
    channel as it would be in a window where every patch of it is missing, where there is
    none left to hide; and scored there, the candidate that suits that channel wins."""
    X = rng.normal(size=(6, 4, 750))
    X[:, 1] = X[:, 0] + X[:, 2]  # channel 1 is read exactly by the other channels
    missing = np.zeros(X.shape, dtype=bool)
    missing[:, 1, 250:500] = True  # the middle patch of channel 1
    missing[5, 1] = True  # and every patch of it in the last window
    select = BestBaselineImputer("patch", patch_len=250, random_state=0).fit(X)
    _, already, probe, block = select._probe(X, missing, random_state=0)
    assert not (probe & already).any()
    rows = np.nonzero(probe.any(axis=-1))
    assert block == 6 and len(rows[0]) == 4 * 6
    hidden_chan = rows[1].reshape(4, 6)
    assert (hidden_chan[:, :5] == 1).all() and (hidden_chan[:, 5] == 3).all()
    scores = select.rank(X, missing, random_state=0)
    assert min(scores, key=scores.get).startswith("cross-channel regression")


@pytest.mark.parametrize(("pattern", "n_chans", "n_windows"),
                         [("gaps", 8, 64), ("gaps", 64, 16), ("scattered", 256, 8),
                          ("patch", 64, 64)])
def test_check_bounds_the_channels_of_windows_it_fills(rng, pattern, n_chans, n_windows):
    """Where every channel misses samples, the check's cost grows with the channels it
    fills: it keeps 1024 channels of windows (8 windows at least); a patch probe fills
    one channel per window, so it keeps 64 windows."""
    select = BestBaselineImputer(pattern, patch_len=100, random_state=0,
                                 candidates={"mean": ChannelMeanImputer()})
    select.fit(rng.normal(size=(4, n_chans, 300)))
    X = rng.normal(size=(100, n_chans, 300))
    _, _, _, block = select._probe(X, np.zeros(X.shape, bool), random_state=0)
    assert block == n_windows


@pytest.mark.parametrize("window_prior", [1000, "auto"])
def test_per_window_regression_fills_a_flat_window_with_its_level(rng, window_prior):
    """Every channel flat (a disconnected headbox): the conditional mean's ridge, in
    units of a variance of 0, was 0 and its solve singular."""
    X = rng.normal(size=(4, 3, 600))
    flat = np.full((1, 3, 600), 2.5)
    flat[0, 1, 100:300] = np.nan
    imp = ChannelRegressionImputer(adapt="window", window_prior=window_prior).fit(X)
    np.testing.assert_array_equal(imp.transform(flat), np.full((1, 3, 600), 2.5))
