"""One exact resampler: 2048 Hz gives exactly n * 250 / 2048 samples in every path."""

import mne
import numpy as np
import pytest
from scipy.signal import resample_poly

from bptlearn.data import iter_windows, resample, resample_ratio, to_windows
from bptlearn.exceptions import BPTWarning

N = 2048 * 12  # 12 s at 2048 Hz -> exactly 3000 samples at 250 Hz


@pytest.mark.parametrize(("sfreq", "ratio"), [
    (2048.0, (125, 1024)), (1000.0, (1, 4)), (250.0, (1, 1)), (173.61, (25000, 17361)),
    (399.6097561, (5125, 8192)), (1000.0 / 3.0, (3, 4)), (100.0, (5, 2))])
def test_ratios_are_exact_fractions_of_the_printed_rate(sfreq, ratio):
    assert resample_ratio(sfreq) == ratio


def test_a_rate_needing_huge_factors_gets_the_nearest_ratio_with_a_warning():
    with pytest.warns(BPTWarning, match=r"nearest ratio with factors up to 65536"):
        up, down = resample_ratio(1024.0000123)
    assert max(up, down) <= 2**16 and abs(1024.0000123 * up / down - 250.0) < 1e-5


def test_resample_is_scipy_polyphase_with_the_exact_ratio(rng):
    x = rng.normal(size=(2, N))
    np.testing.assert_array_equal(resample(x, 2048.0), resample_poly(x, 125, 1024, axis=-1))
    assert resample(x, 250.0) is x


def test_2048_hz_gives_exactly_n_times_250_over_2048_samples_in_every_path(rng, tmp_path):
    from bptlearn.estimators._input import to_patches
    from bptlearn.pretraining import load_recordings, make_recording

    x = rng.normal(0.0, 20.0, size=(2, N)).astype(np.float32)
    raw = mne.io.RawArray(x * 1e-6, mne.create_info(["A", "B"], 2048.0, "seeg"),
                          verbose="error")
    w = to_windows(raw, n_patches=2)
    assert w.X.shape == (1, 2, 3000) and w.sfreq == 250.0
    assert next(iter_windows(raw, n_patches=2)).X.shape == (1, 2, 3000)
    assert to_patches(x[None], 2048.0, 250.0, 1500).shape == (1, 2, 2, 1500)
    long = np.tile(x[:1], 50)  # 10 min: 99/811 (the old ratio) gave 150002 samples
    assert make_recording(long, 2048.0, "r").n_times == 50 * N * 250 // 2048 == 150000
    np.save(tmp_path / "r.npy", x)
    assert load_recordings(tmp_path, sfreq=2048.0)[0].n_times == 3000


@pytest.mark.parametrize("sfreq", [173.61, 399.6097561])
def test_rounded_rates_give_exactly_250_hz(sfreq, rng):
    n = int(sfreq * 30)
    raw = mne.io.RawArray(rng.normal(size=(2, n)) * 1e-5,
                          mne.create_info(["A", "B"], sfreq, "seeg"), verbose="error")
    w = to_windows(raw, n_patches=1)
    assert w.sfreq == 250.0 and w.X.shape[2] == 1500 and len(w) == 5
