import copy
import warnings

import numpy as np
import pytest
import torch

from bptlearn import BPTImputer
from bptlearn.baselines import (
    PATTERNS,
    ChannelMeanImputer,
    default_imputers,
    make_missing_mask,
    missing_pattern,
)
from bptlearn.baselines._candidates import RESIDUAL, RESIDUAL_AR, VAR_WINDOW, WINDOW_AUTO
from bptlearn.data import make_seeg_windows
from bptlearn.exceptions import BPTWarning
from bptlearn.nn.heads import ImputationHead

from ..helpers import FAST_NET


@pytest.fixture(scope="module")
def fitted(seeg):
    return BPTImputer(**FAST_NET).fit(seeg[0])


def with_gaps(X, rate=0.4, seed=1):
    mask = np.random.default_rng(seed).random(X.shape) < rate
    return np.where(mask, np.nan, X).astype(X.dtype), mask


def test_observed_samples_come_back_bit_identical(fitted, seeg):
    X = seeg[0]
    gappy, mask = with_gaps(X)
    filled = fitted.transform(gappy)
    assert filled.dtype == X.dtype and filled.shape == X.shape
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~mask], X[~mask])


def test_a_mask_marks_samples_to_fill_without_nans(fitted, seeg):
    X = seeg[0]
    mask = np.zeros(X.shape, dtype=bool)
    mask[0, 0, 100:140] = True
    filled = fitted.transform(X, mask=mask)
    np.testing.assert_array_equal(filled[~mask], X[~mask])
    assert not np.array_equal(filled[mask], X[mask])  # the true samples were hidden


def test_nothing_to_fill_returns_a_copy(fitted, seeg):
    X = seeg[0]
    out = fitted.transform(X)
    np.testing.assert_array_equal(out, X)
    assert out is not X


def test_an_untrained_head_returns_the_linear_interpolation():
    head = ImputationHead(d_model=8, patch_len=10)
    import torch

    x, mask = torch.randn(1, 2, 1, 10), (torch.rand(1, 2, 1, 10) < 0.5).float()
    out = head(torch.randn(1, 2, 1, 8), x, mask)
    torch.testing.assert_close(out, x)


def test_input_at_another_rate_is_refused(seeg):
    with pytest.raises(ValueError, match="model's 250 Hz, but X is at 500 Hz"):
        BPTImputer(sfreq=500.0, **FAST_NET).fit(np.zeros((2, 3, 3000)))


def test_mask_of_the_wrong_shape_is_refused(fitted, seeg):
    X = seeg[0]
    with pytest.raises(ValueError, match="mask must be a bool array"):
        fitted.transform(X, mask=np.zeros(X.shape[1:], dtype=bool))


def test_nan_in_fit_data_is_refused(seeg):
    gappy, _ = with_gaps(seeg[0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        BPTImputer(**FAST_NET).fit(gappy)


# --- baselines, shrinkage and the patterns of missing samples -------------------------------


@pytest.fixture(scope="module")
def family():
    """Fit windows and held-back windows of one synthetic family (3 patches of 8 channels)."""
    X, *_ = make_seeg_windows(n_patients=1, n_windows=14, n_patches=3, random_state=4)
    return X[:10], X[10:]


@pytest.fixture(scope="module")
def fitted_family(family):
    return BPTImputer(**FAST_NET).fit(family[0])


def test_fit_chooses_a_baseline_for_every_pattern_and_records_the_gain(fitted_family):
    imp = fitted_family
    assert set(imp.baseline_name_) == set(PATTERNS) == set(imp.shrinkage_)
    for pattern, select in imp.baselines_.items():
        assert imp.baseline_name_[pattern] == min(select.scores_, key=select.scores_.get)
        assert {"cross-channel regression", "cross-channel regression, adapted",
                "cross-channel regression, window", "AR interpolation"} <= set(select.scores_)
        # the regression's residual carried by AR interpolation: a candidate for scattered
        # samples and gaps; by an AR of each window: gaps; linearly: scattered samples
        assert (RESIDUAL_AR in select.scores_) == (pattern in ("scattered", "gaps"))
        assert (RESIDUAL.format("window AR") in select.scores_) == (pattern == "gaps")
        assert (RESIDUAL.format("linear") in select.scores_) == (pattern == "scattered")
        # the per-window regression with the weight of its prior chosen on each window
        assert (WINDOW_AUTO in select.scores_) == (pattern == "patch")
        # the multichannel autoregression of each window: gaps and patches
        assert (VAR_WINDOW in select.scores_) == (pattern in ("gaps", "patch"))
        assert 0.0 <= imp.shrinkage_[pattern] <= 1.0
        assert 0.0 < imp.residual_gain_[pattern] <= 1.0


@pytest.mark.parametrize("pattern", PATTERNS)
def test_imputation_is_no_worse_than_the_best_baseline_on_held_back_windows(
        fitted_family, family, pattern):
    train, test = family
    masks = [make_missing_mask(test.shape, pattern, random_state=7 + k) for k in range(4)]
    truth = np.concatenate([test[mask] for mask in masks])  # 4 draws: 16 patches, not 4

    def error(imputer):
        return np.mean((np.concatenate([imputer.transform(np.where(mask, np.nan, test))[mask]
                                        for mask in masks]) - truth) ** 2)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BPTWarning)
        ours = error(fitted_family)
        best = min(error(b.fit(train)) for b in default_imputers(test.shape[1]).values())
    assert ours / best <= 1.0 + 0.02


def test_a_whole_missing_channel_is_filled_from_the_other_channels(fitted_family, family):
    train, test = family
    assert fitted_family.baseline_name_["channel"] == "cross-channel regression"
    gappy = test.copy()
    gappy[:, 3] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", BPTWarning)  # no "falls back" warning
        filled = fitted_family.transform(gappy)
    mean_fill = ChannelMeanImputer().fit(train).transform(gappy)
    err = np.mean((filled[:, 3] - test[:, 3]) ** 2)
    assert err < 0.95 * np.mean((mean_fill[:, 3] - test[:, 3]) ** 2)


def _with_channel_blend(imputer, weights):
    """A copy of ``imputer`` whose whole-channel baseline is a blend with ``weights``."""
    from bptlearn.baselines._impute import _BlendImputer

    est, select = copy.copy(imputer), copy.copy(imputer.baselines_["channel"])
    blend = _BlendImputer({k: select.estimators_[k] for k in weights}, weights).fit(
        np.zeros((1, imputer.n_chans_in_, 10)))
    select.estimators_ = {**select.estimators_, "blend of baselines": blend}
    select.best_name_, select.best_estimator_ = "blend of baselines", blend
    est.baselines_ = {**imputer.baselines_, "channel": select}
    return est


@pytest.mark.parametrize(("weights", "warns"), [
    ({"cross-channel regression": 0.8, "channel mean": 0.2}, False),
    ({"cross-channel regression": 0.0, "channel mean": 1.0}, True)])
def test_a_missing_channel_filled_by_a_blend_warns_unless_it_weighs_the_other_channels(
        fitted_family, family, weights, warns):
    train, test = family
    est = _with_channel_blend(fitted_family, weights)
    gappy = test.copy()
    gappy[:, 3] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        filled = est.transform(gappy)
    assert any(issubclass(w.category, BPTWarning) for w in caught) == warns
    mean_fill = ChannelMeanImputer().fit(train).transform(gappy)
    err = np.mean((filled[:, 3] - test[:, 3]) ** 2)
    mean_err = np.mean((mean_fill[:, 3] - test[:, 3]) ** 2)
    assert (err < 0.95 * mean_err) != warns  # the other channels help; the mean does not


@pytest.mark.parametrize(("dtype", "out_dtype"), [(np.int16, np.float32),
                                                 (np.float16, np.float32),
                                                 (np.float32, np.float32),
                                                 (np.float64, np.float64)])
def test_transform_returns_float64_for_float64_input_and_float32_otherwise(
        fitted, seeg, dtype, out_dtype):
    X = np.clip(seeg[0], -3e4, 3e4).astype(dtype)
    mask = np.zeros(X.shape, dtype=bool)
    mask[:, :, 100:160] = True
    filled = fitted.transform(X, mask=mask)
    assert filled.dtype == out_dtype and np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~mask], X[~mask])  # observed values exact
    as_float32 = fitted.transform(X.astype(np.float32), mask=mask)
    np.testing.assert_allclose(filled, as_float32, rtol=1e-5, atol=1e-3)


def test_transform_runs_the_fitted_pipeline_between_scaling_and_shrinkage(fitted, seeg):
    """pipeline_ holds the fitted scaling and the network; with every correction weight at
    1, transform is the baseline fill plus the pipeline's correction, in µV."""
    import torch

    from bptlearn.nn.pipeline import ImputationPipeline

    X = seeg[0][:3]
    pipeline = fitted.pipeline_
    assert isinstance(pipeline, ImputationPipeline)
    np.testing.assert_allclose(pipeline.scaling.center.flatten().numpy(), fitted.center_,
                               rtol=1e-6)
    gappy = X.copy()
    gappy[0, 1, 200:260] = np.nan
    n, C, T = X.shape
    x = torch.from_numpy(gappy.reshape(n, C, -1, 1500))
    scaled, center, scale = pipeline.scaling(x)
    assert not torch.isnan(scaled).any() and float(scaled[0, 1, 0, 230]) == 0.0
    est = fitted.__class__(**fitted.get_params())
    vars(est).update(vars(fitted))
    est.shrinkage_ = dict.fromkeys(PATTERNS, 1.0)
    fitted_choice = ({k: b.best_estimator_ for k, b in fitted.baselines_.items()},
                     dict.fromkeys(PATTERNS, 1.0),
                     {k: b.best_name_ for k, b in fitted.baselines_.items()})
    est._adapted_baselines = lambda *args: fitted_choice  # the check on X's samples agrees
    filled = est.transform(gappy)
    fill = fitted.baselines_["gaps"].best_estimator_.transform(
        np.where(np.isnan(gappy), np.nan, scaled.reshape(n, C, T).numpy()))
    mask = torch.from_numpy(np.isnan(gappy).reshape(x.shape)).float()
    with torch.no_grad():
        out = pipeline(torch.cat([torch.from_numpy(fill.reshape(x.shape)), mask], -1))
    expected = (out * scale + center).reshape(n, C, T).numpy()
    np.testing.assert_allclose(filled[0, 1, 200:260], expected[0, 1, 200:260], rtol=1e-4,
                               atol=1e-3)
    baseline_only = (torch.from_numpy(fill.reshape(x.shape)) * scale + center).reshape(n, C, T)
    assert np.abs(filled - baseline_only.numpy())[0, 1, 200:260].max() > 1e-2  # it corrects
    np.testing.assert_array_equal(filled[~np.isnan(gappy)], X[~np.isnan(gappy)])


class _Corrupted(torch.nn.Module):
    """An imputation pipeline whose correction is ``noise`` times random noise."""

    def __init__(self, pipeline, noise):
        super().__init__()
        self.scaling, self.model, self.noise = pipeline.scaling, pipeline.model, noise

    def forward(self, packed):
        fill = packed[..., :packed.shape[-1] // 2]
        noise = torch.randn(fill.shape, generator=torch.Generator().manual_seed(0))
        return fill + self.noise * noise


@pytest.mark.parametrize("pattern", ["scattered", "gaps", "patch"])
def test_transform_leaves_out_a_correction_that_hurts_on_the_data_at_hand(
        fitted_family, family, pattern):
    """The correction's weight is checked on observed samples of X hidden on purpose: one
    that only adds noise gets weight 0, whatever ``shrinkage_`` says."""
    test = family[1]
    gappy = np.where(make_missing_mask(test.shape, pattern, random_state=3), np.nan, test)
    outs = {}
    for noise in (0.0, 1.0):
        est = copy.copy(fitted_family)
        est.shrinkage_ = dict.fromkeys(PATTERNS, 1.0)
        est.pipeline_ = _Corrupted(fitted_family.pipeline_, noise)
        outs[noise] = est.transform(gappy)
    np.testing.assert_array_equal(outs[1.0], outs[0.0])  # the noise never reaches the fill
    assert fitted_family.shrinkage_ == copy.copy(fitted_family).shrinkage_  # nothing altered


def test_the_weight_used_is_never_above_the_fitted_one(fitted_family, family):
    test = family[1]
    hidden = make_missing_mask(test.shape, "scattered", rate=0.3, random_state=2)
    est = copy.copy(fitted_family)
    est.shrinkage_ = dict.fromkeys(PATTERNS, 0.05)
    est._shrinkage = lambda *args: (0.9, 0.5)  # the data would take more
    scaled = np.where(hidden, 0.0, test / np.abs(test).max())
    _, weights, _ = est._adapted_baselines(scaled, hidden,
                                           missing_pattern(hidden, patch_len=1500))
    assert weights["scattered"] == 0.05 and weights["gaps"] == 0.0  # absent: unused


@pytest.mark.parametrize("pattern", ["scattered", "gaps", "patch"])
def test_transform_switches_to_the_baseline_that_fills_the_data_at_hand_best(
        fitted_family, pattern, caplog):
    """Slow smooth rhythms, unlike the fit data: the observed samples hidden on purpose
    show another baseline filling them better, and using it lowers the error against
    keeping the fitted one."""
    rng = np.random.default_rng(0)
    t = np.arange(4500) / 250.0
    # 8 windows: each holds one missing patch, and 4 are too few to judge a fill by
    freq, phase = rng.uniform(0.1, 0.5, size=(2, 8, 8, 1)) * [[[[1.0]]], [[[12.0]]]]
    smooth = (50 * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)
    mask = make_missing_mask(smooth.shape, pattern, random_state=1)
    gappy = np.where(mask, np.nan, smooth)
    kept = copy.copy(fitted_family)
    kept.baselines_ = {k: copy.copy(b) for k, b in fitted_family.baselines_.items()}
    kept.baselines_[pattern]._scores = lambda *args: ({}, None)  # no comparison: as fitted
    with caplog.at_level("INFO", logger="bptlearn.estimators._imputer"):
        switched = fitted_family.transform(gappy)
    assert f"pattern {pattern!r}" in caplog.text and "fills this data best" in caplog.text
    err = np.mean((switched[mask] - smooth[mask]) ** 2)
    assert err < 0.95 * np.mean((kept.transform(gappy)[mask] - smooth[mask]) ** 2)
