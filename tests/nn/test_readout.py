"""Readouts: pooled values, spectral extras, and the width they announce."""

import math

import pytest
import torch

from bptlearn.nn import band_power
from bptlearn.nn.readout import (
    EXTRA_FEATURES,
    POOLINGS,
    Readout,
    extra_names,
    pool,
    token_extras,
)
from bptlearn.nn.spectral import BAND_NAMES, LOG_POWER_FLOOR

H = torch.arange(24.0).reshape(1, 2, 3, 4)  # (B, C, L, k): token (c, l) holds 12c + 4l + i


def test_mean_pooling_averages_channels_and_patches():
    assert torch.equal(pool(H, "mean"), torch.tensor([[10.0, 11.0, 12.0, 13.0]]))


def test_mean_std_pooling_appends_the_population_std():
    out = pool(H, "mean+std")
    tokens = H.reshape(6, 4)
    assert out.shape == (1, 8)
    assert torch.equal(out[0, :4], tokens.mean(0))
    assert torch.allclose(out[0, 4:], tokens.std(0, correction=0))
    # values 0, 4, 8, 12, 16, 20 (+ i): std = 4 * sqrt(35 / 12)
    assert math.isclose(float(out[0, 4]), 4 * math.sqrt(35 / 12), rel_tol=1e-6)


def test_channel_pooling_is_channel_major():
    expected = torch.tensor([[4.0, 5.0, 6.0, 7.0, 16.0, 17.0, 18.0, 19.0]])
    assert torch.equal(pool(H, "channel"), expected)


def test_token_pooling_keeps_channel_patch_feature_order():
    assert torch.equal(pool(H, "token"), torch.arange(24.0)[None])


def test_unknown_pooling_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match=r"'pooling' parameter.*'mean\+std'.*got 'max'"):
        pool(H, "max")
    with pytest.raises(ValueError, match=r"'pooling' parameter"):
        Readout("max")
    with pytest.raises(ValueError, match=r"'extra_features' parameter.*got 'kurtosis'"):
        Readout("mean", extra_features=("kurtosis",))


def test_log_amplitude_is_the_log_of_each_patch_std():
    t = torch.arange(1500) / 250.0
    x = torch.stack([3.0 * torch.sin(2 * math.pi * 10 * t), torch.zeros(1500)]).reshape(
        1, 2, 1, 1500)
    out = token_extras(x, ("log_amplitude",), band_sfreq=250.0)
    assert out.shape == (1, 2, 1, 1)
    assert math.isclose(float(out[0, 0, 0, 0]), math.log(3.0 / math.sqrt(2)), rel_tol=1e-3)
    assert math.isclose(float(out[0, 1, 0, 0]), math.log(1e-6), rel_tol=1e-6)  # flat: finite


def test_band_power_extras_are_brant_s_or_a_true_log_or_the_ones_given():
    t = torch.arange(1500) / 250.0
    x = torch.sin(2 * math.pi * 10 * t).reshape(1, 1, 1, 1500)
    brant = token_extras(x, ("band_power",), band_sfreq=250.0)
    assert torch.allclose(brant, band_power(x, 250.0))  # log10(power + 1)
    true_log = token_extras(x, ("log_band_power",), band_sfreq=250.0)
    assert torch.allclose(true_log, band_power(x, 250.0, offset=LOG_POWER_FLOOR))
    assert BAND_NAMES[int(true_log[0, 0, 0].argmax())] == BAND_NAMES[1]  # 10 Hz: alpha
    given = torch.full((1, 1, 1, 8), 0.5)
    assert torch.equal(token_extras(x, ("band_power",), 250.0, power=given), given)
    assert torch.equal(token_extras(x, ("log_band_power",), 250.0, log_power=given), given)
    assert extra_names(("band_power", "log_band_power"))[::8] == ["theta", "log_theta"]


def test_readout_pools_tokens_and_extras_alike():
    g = torch.Generator().manual_seed(0)
    h, x = torch.randn(2, 3, 4, 16, generator=g), torch.randn(2, 3, 4, 1500, generator=g)
    readout = Readout("mean+std", extra_features=EXTRA_FEATURES, band_sfreq=250.0)
    out = readout(h, x)
    extras = token_extras(x, EXTRA_FEATURES, 250.0)
    assert out.shape == (2, readout.n_features(16)) == (2, 2 * (16 + 17))
    assert torch.allclose(out, torch.cat([pool(h, "mean+std"), pool(extras, "mean+std")], -1))


def test_readout_without_pooling_keeps_a_row_per_token_in_float():
    h, x = torch.randn(2, 3, 4, 16, dtype=torch.bfloat16), torch.randn(2, 3, 4, 1500)
    out = Readout(None, extra_features=("log_amplitude",))(h, x)
    assert out.shape == (2, 3, 4, 17) and out.dtype == torch.float32


@pytest.mark.parametrize("pooling, extras, width", [
    ("mean", (), 16), ("mean", ("log_amplitude",), 17), ("mean+std", ("band_power",), 48),
    (None, EXTRA_FEATURES, 33),
])
def test_n_features_announces_the_output_width(pooling, extras, width):
    readout = Readout(pooling, extra_features=extras)
    assert readout.n_features(16) == width
    out = readout(torch.randn(1, 2, 3, 16), torch.randn(1, 2, 3, 1500))
    assert out.shape[-1] == width


@pytest.mark.parametrize("pooling", [p for p in POOLINGS if p in ("channel", "token")])
def test_n_features_refuses_channel_dependent_poolings(pooling):
    with pytest.raises(ValueError, match=f"depends on the channels for pooling='{pooling}'"):
        Readout(pooling).n_features(16)
