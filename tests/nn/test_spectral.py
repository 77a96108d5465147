import numpy as np
import pytest
import scipy.signal
import torch

from bptlearn.estimators import BPTEncoder
from bptlearn.nn import BAND_EDGES, N_BANDS, band_power

from ..helpers import FAST


def scipy_band_power(x: np.ndarray, sfreq: float) -> np.ndarray:
    """What the official code computes: periodogram, band sums over (lo, hi], log10(sum + 1)."""
    freqs, psd = scipy.signal.periodogram(x, fs=sfreq, axis=-1)
    out = [np.log10(psd[..., (freqs > lo) & (freqs <= hi)].sum(-1) + 1)
           for lo, hi in zip(BAND_EDGES[:-1], BAND_EDGES[1:], strict=True)]
    return np.stack(out, axis=-1)


@pytest.mark.parametrize("sfreq", [250.0, 256.0])
def test_band_power_matches_scipy_on_random_patches(rng, sfreq):
    x = rng.standard_normal((3, 4, 5, 1500)) * 50.0
    ours = band_power(torch.from_numpy(x), sfreq).numpy()
    np.testing.assert_allclose(ours, scipy_band_power(x, sfreq), rtol=1e-5)


def test_band_power_matches_scipy_in_float32(rng):
    x = (rng.standard_normal((16, 15, 1500)) * 30.0).astype(np.float32)
    ours = band_power(torch.from_numpy(x), 250.0)
    assert ours.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), scipy_band_power(x.astype(np.float64), 250.0),
                               rtol=1e-5)


@pytest.mark.parametrize("freq, band", [(6.0, 0), (10.0, 1), (20.0, 2), (40.0, 3), (60.0, 4),
                                        (80.0, 5), (100.0, 6), (120.0, 7)])
def test_sinusoid_power_lands_in_its_band_and_matches_scipy(freq, band):
    t = np.arange(1500) / 250.0
    x = 100.0 * np.sin(2 * np.pi * freq * t)
    ours = band_power(torch.from_numpy(x), 250.0).numpy()
    np.testing.assert_allclose(ours, scipy_band_power(x, 250.0), rtol=1e-5)
    assert ours.argmax() == band


def test_edge_bins_follow_scipy_half_open_bands():
    # 8 Hz sits exactly on bin 48 at 250 Hz / 1500 samples: it belongs to (4, 8], not (8, 13].
    t = np.arange(1500) / 250.0
    x = 100.0 * np.cos(2 * np.pi * 8.0 * t)
    ours = band_power(torch.from_numpy(x), 250.0).numpy()
    assert ours[0] > 3.0 and ours[1] < 1e-6
    np.testing.assert_allclose(ours, scipy_band_power(x, 250.0), rtol=1e-5, atol=1e-12)


def test_nyquist_bin_counts_once_in_the_last_band():
    x = 10.0 * np.cos(np.pi * np.arange(1500))  # pure 125 Hz at 250 Hz
    ours = band_power(torch.from_numpy(x), 250.0).numpy()
    np.testing.assert_allclose(ours, scipy_band_power(x, 250.0), rtol=1e-5)
    assert ours[-1] > 0 and np.allclose(ours[:-1], 0.0, atol=1e-9)


def test_band_power_keeps_leading_dims_and_device():
    x = torch.randn(2, 3, 4, 5, 300)
    out = band_power(x, 250.0)
    assert out.shape == (2, 3, 4, 5, N_BANDS) and out.device == x.device


def test_band_power_does_not_change_its_input():
    x = torch.randn(4, 1500)
    before = x.clone()
    band_power(x, 250.0)
    assert torch.equal(x, before)


@pytest.mark.parametrize("x, match", [
    (torch.randn(0, 1500), "empty"),
    (torch.randn(4, 1), "n_times >= 2"),
    (torch.ones(4, 1500, dtype=torch.int64), "floating-point"),
])
def test_band_power_rejects_bad_input(x, match):
    with pytest.raises(ValueError, match=match):
        band_power(x, 250.0)


def test_band_power_rejects_non_tensor_and_bad_rate():
    with pytest.raises(TypeError, match="torch.Tensor"):
        band_power(np.zeros((2, 1500)), 250.0)
    with pytest.raises(ValueError, match="positive, finite sampling rate in Hz, got 0.0"):
        band_power(torch.zeros(2, 1500), 0.0)


def test_non_finite_patches_give_nan_power_and_are_refused_at_the_estimator():
    x = torch.randn(2, 1500)
    x[1, 3] = float("nan")
    power = band_power(x, 250.0)  # no full scan here: the boundary checks the data
    assert bool(torch.isfinite(power[0]).all()) and bool(torch.isnan(power[1]).all())
    X = np.random.default_rng(0).standard_normal((1, 2, 1500))
    X[0, 1, 3] = np.inf
    encoder = BPTEncoder(**FAST, extra_features=("band_power",))
    with pytest.raises(ValueError, match=r"1 NaN or infinite sample\(s\); BPTEncoder"):
        encoder.fit(X)
