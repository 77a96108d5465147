import warnings

import mne
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline

from bptlearn import BPTEncoder
from bptlearn.exceptions import BPTWarning, ChannelMismatchError, InputContractWarning

from ..helpers import FAST

# every embedding column, as the tests of pooling, names and channels need
RAW = dict(FAST, n_components=None)


@pytest.fixture(scope="module")
def fitted(seeg):
    return BPTEncoder(**RAW).fit(seeg[0])


@pytest.mark.parametrize("pooling, width", [("mean", 128), ("mean+std", 256),
                                            ("channel", 8 * 128), ("token", 8 * 1 * 128)])
def test_pooling_gives_documented_widths_and_matching_names(seeg, pooling, width):
    X = seeg[0]
    enc = BPTEncoder(pooling=pooling, extra_features=(), **RAW).fit(X)
    out = enc.transform(X)
    assert out.shape == (len(X), width) and out.dtype == np.float32
    names = enc.get_feature_names_out()
    assert len(names) == width and len(set(names)) == width


def test_extra_features_add_amplitude_and_band_power_columns(seeg):
    X = seeg[0]
    enc = BPTEncoder(pooling="mean", extra_features=("log_amplitude", "band_power"),
                     **RAW).fit(X)
    names = list(enc.get_feature_names_out())
    assert enc.transform(X).shape[1] == 128 + 9
    assert names[128:] == ["bptencoder_log_amplitude", "bptencoder_theta", "bptencoder_alpha",
                           "bptencoder_beta", "bptencoder_gamma1", "bptencoder_gamma2",
                           "bptencoder_gamma3", "bptencoder_gamma4", "bptencoder_gamma5"]


def test_channel_pooling_puts_each_channel_in_its_own_block(seeg):
    X = np.array(seeg[0])
    enc = BPTEncoder(pooling="channel", layer="temporal", extra_features=(), **RAW).fit(X)
    a = enc.transform(X)
    X[:, 3] *= 3.0  # changes only channel 3 under the temporal readout
    b = enc.transform(X)
    changed = ~np.isclose(a, b).all(axis=0)
    assert changed[3 * 128:4 * 128].all() and not changed[:3 * 128].any()
    assert not changed[4 * 128:].any()


def test_set_output_pandas_names_the_columns(seeg):
    enc = BPTEncoder(**RAW).set_output(transform="pandas")
    df = enc.fit_transform(seeg[0])
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(enc.get_feature_names_out())


def test_pipeline_with_logistic_regression_and_patient_wise_cv(seeg):
    X, y, _, groups = seeg
    pipe = Pipeline([("bpt", BPTEncoder(**RAW)), ("clf", LogisticRegression(max_iter=500))])
    assert pipe.fit(X, y).predict(X).shape == y.shape
    scores = cross_val_score(pipe, X, y, groups=groups, cv=GroupKFold(n_splits=2))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_transform_does_not_depend_on_batch_size(fitted, seeg):
    X = seeg[0]
    one = fitted.set_params(batch_size=1).transform(X)
    many = fitted.set_params(batch_size=64).transform(X)
    np.testing.assert_allclose(one, many, rtol=1e-5, atol=1e-5)


def test_ragged_list_equals_one_part_at_a_time(seeg):
    X = seeg[0]
    parts = [X[:4], X[4:7, :5], X[7:, :3]]
    enc = BPTEncoder(pooling="mean+std", scaling="global", **RAW).fit(parts)
    assert enc.n_chans_in_ is None and enc.scaling_ == "global"
    together = enc.transform(parts)
    alone = np.concatenate([enc.transform(p) for p in parts])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)
    assert together.shape[0] == len(X)


def test_auto_scaling_turns_global_for_ragged_input(seeg):
    X = seeg[0]
    enc = BPTEncoder(**RAW).fit([X[:4], X[4:, :5]])
    assert enc.scaling_ == "global" and enc.center_.shape == (1,)


def test_channel_scaling_is_learned_in_fit_and_keeps_amplitude(seeg):
    X = seeg[0]
    enc = BPTEncoder(scaling="channel", **RAW).fit(X)
    assert enc.center_.shape == (8,) and enc.scale_.shape == (8,)
    np.testing.assert_allclose(enc.scale_, 1.4826 * np.median(
        np.abs(X - np.median(X, axis=(0, 2), keepdims=True)), axis=(0, 2)), rtol=1e-5)
    a, b = enc.transform(X[:2]), enc.transform(X[:2] * 4.0)
    assert not np.allclose(a, b)  # amplitude reaches the embedding


def test_window_scaling_is_invariant_to_amplitude(seeg):
    X = seeg[0]
    enc = BPTEncoder(scaling="window", extra_features=(), **RAW).fit(X)
    np.testing.assert_allclose(enc.transform(X[:2]), enc.transform(X[:2] * 4.0), rtol=1e-4,
                               atol=1e-4)


def test_no_scaling_warns_that_the_contract_is_broken(seeg, monkeypatch):
    from bptlearn.nn import BPTModel
    from bptlearn.weights import get_pretrained_cfg

    model = BPTModel(preset="nano").eval()
    model.pretrained_cfg = get_pretrained_cfg("bpt_nano.shipped")
    monkeypatch.setattr("bptlearn.estimators._base.load", lambda weights: model)
    with pytest.warns(InputContractWarning, match="scaling=None"):
        BPTEncoder(weights="anything", scaling=None, device="cpu").fit(seeg[0])


def test_temporal_and_spatial_readouts_differ(seeg):
    X = seeg[0]
    t = BPTEncoder(layer="temporal", **RAW).fit_transform(X)
    s = BPTEncoder(layer="spatial", **RAW).fit_transform(X)
    assert t.shape == s.shape and not np.allclose(t, s)


def test_mne_epochs_give_their_rate_and_channel_names(seeg):
    X = np.array(seeg[0][:4], dtype=np.float64)
    info = mne.create_info([f"LA{i}" for i in range(1, 9)], 500.0, "seeg")
    # the same 6-s windows at 500 Hz (each sample repeated is not band limited; resample instead)
    data = mne.filter.resample(X, up=2.0, verbose=False) * 1e-6  # µV -> V
    epochs = mne.EpochsArray(data, info, verbose=False)
    enc = BPTEncoder(pooling="channel", extra_features=(), **RAW).fit(epochs)
    assert enc.sfreq_in_ == 500.0 and list(enc.ch_names_in_) == info.ch_names
    assert enc.get_feature_names_out()[0] == "bptencoder_LA1_0"
    assert enc.transform(epochs).shape == (4, 8 * 128)
    # reordered channels are matched by name, as MNE does (issue 16)
    np.testing.assert_allclose(enc.transform(epochs.copy().reorder_channels(info.ch_names[::-1])),
                               enc.transform(epochs), atol=1e-5)


def test_array_at_another_rate_is_resampled_to_250_hz(seeg):
    X = np.array(seeg[0][:3], dtype=np.float64)
    X500 = mne.filter.resample(X, up=2.0, verbose=False)
    enc = BPTEncoder(sfreq=500.0, **RAW).fit(X500)
    assert enc.n_patches_in_ == 1
    ref = BPTEncoder(**RAW).fit(X)
    out, want = enc.transform(X500), ref.transform(X)
    # The true log power of (110, 125] Hz sees the transition band of the 500 -> 250 Hz
    # anti-aliasing filter (about 40 % less power there): 0.2 in log10.
    top = enc.get_feature_names_out() == "bptencoder_log_gamma5"
    np.testing.assert_allclose(out[:, ~top], want[:, ~top], rtol=0.05, atol=0.05)
    np.testing.assert_allclose(out[:, top], want[:, top], atol=0.25)


@pytest.mark.parametrize("precision, min_cosine", [("bf16", 0.99), ("int8", 0.99)])
def test_lower_precision_stays_close_to_fp32(seeg, precision, min_cosine):
    X = seeg[0]
    ref = BPTEncoder(extra_features=(), **RAW).fit_transform(X)
    low = BPTEncoder(extra_features=(), precision=precision, **RAW).fit_transform(X)
    cos = (ref * low).sum() / np.linalg.norm(ref) / np.linalg.norm(low)
    assert cos >= min_cosine


def test_model_is_a_deprecated_alias_of_encoder(fitted):
    with pytest.warns(FutureWarning, match=r"model_ is deprecated.*use BPTEncoder\.encoder_"):
        assert fitted.model_ is fitted.encoder_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not hasattr(BPTEncoder(**RAW), "model_")  # unfitted: no attribute, no warning
    old = {k: v for k, v in vars(fitted).items() if k != "encoder_"}
    old["model_"] = fitted.encoder_  # as pickled before the rename
    restored = BPTEncoder.__new__(BPTEncoder)
    restored.__setstate__(old)
    assert restored.encoder_ is fitted.encoder_ and "model_" not in vars(restored)


def test_gpu_out_of_memory_halves_the_batch_with_a_warning(fitted, seeg, monkeypatch):
    X = seeg[0]
    expected = fitted.transform(X)
    real = fitted.encoder_.forward

    def forward(x, **kw):
        if len(x) > 3:
            raise torch.OutOfMemoryError("CUDA out of memory (fake)")
        return real(x, **kw)

    monkeypatch.setattr(fitted.encoder_, "forward", forward)
    with pytest.warns(BPTWarning, match="retrying in batches of"):
        out = fitted.set_params(batch_size=12).transform(X)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_out_of_memory_with_single_windows_is_raised(fitted, seeg, monkeypatch):
    def forward(x, **kw):
        raise torch.OutOfMemoryError("CUDA out of memory (fake)")

    monkeypatch.setattr(fitted.encoder_, "forward", forward)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BPTWarning)
        with pytest.raises(torch.OutOfMemoryError):
            fitted.set_params(batch_size=2).transform(seeg[0][:2])


@pytest.mark.parametrize("X, error, match", [
    (np.zeros((4, 1500)), ValueError, r"3 dimensions.*X\[np.newaxis\]"),
    (np.zeros((0, 8, 1500)), ValueError, "empty"),
    (np.zeros((2, 8, 1000)), ValueError, "1000 samples at 250 Hz last 4 s"),
    (np.zeros((2, 8, 16 * 1500)), ValueError, "1 to 15 whole patches"),
    (np.zeros((2, 8, 1500), dtype=complex), TypeError, "complex"),
    (np.array([[["a"] * 1500]]), TypeError, "real numbers"),
])
def test_bad_arrays_are_refused_with_a_fix(X, error, match):
    with pytest.raises(error, match=match):
        BPTEncoder(**RAW).fit(X)


def test_nan_input_is_refused_and_left_untouched(seeg):
    X = np.array(seeg[0])
    X[0, 0, 10] = np.nan
    before = X.copy()
    with pytest.raises(ValueError, match="1 NaN or infinite sample"):
        BPTEncoder(**RAW).fit(X)
    np.testing.assert_array_equal(X, before)


def test_continuous_raw_is_pointed_to_windows(seeg):
    raw = mne.io.RawArray(np.zeros((2, 3000)), mne.create_info(2, 250.0, "seeg"), verbose=False)
    with pytest.raises(TypeError, match="to_windows"):
        BPTEncoder(**RAW).fit(raw)


def test_channel_count_change_is_refused_for_channel_pooling(seeg):
    X = seeg[0]
    enc = BPTEncoder(pooling="channel", scaling="global", **RAW).fit(X)
    with pytest.raises(ChannelMismatchError, match="X has 5 channels, but this BPTEncoder was "
                                                   "fitted on 8"):
        enc.transform(X[:, :5])


def test_mean_pooling_with_global_scaling_accepts_other_channel_counts(seeg):
    X = seeg[0]
    enc = BPTEncoder(pooling="mean", scaling="global", **RAW).fit(X)
    assert enc.transform(X[:, :5]).shape == (len(X), 128 + 9)


def test_ragged_input_with_channel_pooling_is_refused(seeg):
    X = seeg[0]
    with pytest.raises(ValueError, match="pooling='channel' gives one block"):
        BPTEncoder(pooling="channel", **RAW).fit([X[:4], X[4:, :5]])


def test_unknown_extra_feature_is_refused(seeg):
    with pytest.raises(ValueError, match="'extra_features' parameter of BPTEncoder"):
        BPTEncoder(extra_features=("kurtosis",), **RAW).fit(seeg[0])


def test_int8_on_a_gpu_device_is_refused():
    with pytest.raises(ValueError, match="no CUDA GPU|CPU only"):
        BPTEncoder(precision="int8", weights=None, device="cuda").fit(np.zeros((1, 2, 1500)))


def test_flat_channel_warns_in_fit(seeg):
    X = np.array(seeg[0])
    X[:, 2] = 5.0
    with pytest.warns(BPTWarning, match="1 channel\\(s\\) are flat"):
        BPTEncoder(**RAW).fit(X)


def test_n_components_whitens_the_embedding_columns_and_keeps_the_extras(seeg):
    X = seeg[0]
    full = BPTEncoder(pooling="mean+std", **RAW).fit(X)
    enc = BPTEncoder(pooling="mean+std", **{**FAST, "n_components": 3})
    out = enc.fit_transform(X)
    n_extra = 2 * 9  # log amplitude + 8 band powers, mean and std
    assert out.shape == (len(X), 3 + n_extra)
    np.testing.assert_allclose(out, enc.transform(X), atol=1e-5)  # fit_transform = transform
    np.testing.assert_allclose(out[:, 3:], full.transform(X)[:, -n_extra:], atol=1e-6)
    np.testing.assert_allclose(out[:, :3].std(axis=0, ddof=1), 1.0, rtol=1e-3)  # whitened
    names = enc.get_feature_names_out()
    assert list(names[:5]) == ["bptencoder_pc0", "bptencoder_pc1", "bptencoder_pc2",
                               "bptencoder_log_amplitude_mean", "bptencoder_log_theta_mean"]
    assert enc.pca_.n_components_ == 3 and full.pca_ is None


def test_n_components_larger_than_the_fit_data_is_refused_and_changes_nothing(seeg):
    X = seeg[0]
    enc = BPTEncoder(**FAST).fit(X)  # one component
    before = enc.transform(X)
    with pytest.raises(ValueError, match=f"n_components=500 learns .* fit got {len(X)} win"):
        enc.set_params(n_components=500).fit(X)
    assert enc.pca_.n_components_ == 1  # the previous fit is kept
    np.testing.assert_array_equal(enc.set_params(n_components=1).transform(X), before)
    with pytest.raises(ValueError, match="n_components=1 learns .* fit got 1 window"):
        BPTEncoder(**FAST).fit(X[:1])  # centring leaves no variance in one window


def test_readout_log_band_power_is_a_true_log_of_the_scaled_patch():
    # a unit-amplitude 10 Hz sine: alpha band power 0.5 V^2 spread over (8, 13] Hz bins
    t = np.arange(1500) / 250.0
    X = (np.sin(2 * np.pi * 10.0 * t) * np.array([1.0, 100.0])[:, None])[:, None, :]
    X = X.astype(np.float32)  # (2 windows, 1 channel, 1500 samples)
    enc = BPTEncoder(pooling="mean", extra_features=("log_band_power",), scaling=None,
                     **RAW).fit(X)
    names = enc.get_feature_names_out().tolist()
    alpha = enc.transform(X)[:, names.index("bptencoder_log_alpha")]
    # 100x amplitude = 1e4x power: exactly 4 decades apart in a true log (Brant's log10(p + 1)
    # would give about 0.3 and 4.2)
    np.testing.assert_allclose(alpha[1] - alpha[0], 4.0, atol=1e-3)


def test_defaults_give_one_component_and_the_true_log_extras(seeg):
    X = seeg[0]
    enc = BPTEncoder(**FAST).fit(X)
    names = list(enc.get_feature_names_out())
    assert names[:3] == ["bptencoder_pc0", "bptencoder_log_amplitude",
                         "bptencoder_log_theta"]
    assert enc.transform(X).shape == (len(X), 1 + 9) and enc.pca_.n_components_ == 1
