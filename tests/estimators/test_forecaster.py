import mne
import numpy as np
import pytest

from bptlearn import BPTForecaster
from bptlearn.metrics import instantaneous_phase, phase_locking_value

from ..helpers import FAST_NET


@pytest.fixture(scope="module")
def split(seeg_two_patches):
    X = seeg_two_patches
    return X[:, :, :1500], X[:, :, 1500:]


def test_predict_returns_the_future_samples_of_every_channel(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    pred = fc.predict(history)
    assert pred.shape == future.shape and np.isfinite(pred).all()
    assert fc.n_future_ == 1500


def test_score_is_the_negative_mean_absolute_error(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    expected = -np.mean(np.abs(fc.predict(history) - future))
    assert fc.score(history, future) == pytest.approx(expected, rel=1e-6)


def test_predictions_come_back_in_the_units_of_x(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    a = fc.predict(history)
    fc10 = BPTForecaster(horizon=1, **FAST_NET).fit(history * 10, future * 10)
    np.testing.assert_allclose(fc10.predict(history * 10), a * 10, rtol=1e-3, atol=1e-2)


def test_window_scaling_maps_predictions_back_per_window(split):
    history, future = split
    fc = BPTForecaster(horizon=1, scaling="window", **FAST_NET).fit(history, future)
    shifted = fc.predict(history + 100.0)
    np.testing.assert_allclose(shifted, fc.predict(history) + 100.0, rtol=1e-4, atol=1e-2)


def test_history_at_another_rate_is_resampled(split):
    history, future = split
    h500 = mne.filter.resample(history.astype(float), up=2.0, verbose=False)
    f500 = mne.filter.resample(future.astype(float), up=2.0, verbose=False)
    fc = BPTForecaster(horizon=1, sfreq=500.0, **FAST_NET).fit(h500, f500)
    assert fc.predict(h500).shape == future.shape  # at 250 Hz
    assert np.isfinite(fc.score(h500, f500))


def test_frequency_phase_target_predicts_phase_and_frequency(split):
    history, future = split
    fc = BPTForecaster(horizon=1, target="freq_phase", **FAST_NET).fit(history, future)
    phase = fc.predict(history)
    assert phase.shape == future.shape and np.all(np.abs(phase) <= np.pi + 1e-6)
    assert fc.predict_frequency(history).shape == future.shape[:2]
    expected = phase_locking_value(instantaneous_phase(future), phase)
    assert fc.score(history, future) == pytest.approx(expected, rel=1e-6)


def test_predict_frequency_needs_the_frequency_target(split):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET).fit(history, future)
    with pytest.raises(AttributeError, match="target='freq_phase'"):
        fc.predict_frequency(history)


@pytest.mark.parametrize("bad, match", [
    (lambda f: f[:, :, :1000], r"\(10, 8, 1500\)"),
    (lambda f: f[:, :3], r"\(10, 8, 1500\)"),
    (lambda f: np.where(np.arange(1500) == 3, np.nan, f), "NaN or infinite"),
])
def test_future_of_the_wrong_shape_or_nan_is_refused(split, bad, match):
    history, future = split
    fc = BPTForecaster(horizon=1, **FAST_NET)
    with pytest.raises(ValueError, match=match):
        fc.fit(history, bad(future))
    assert not hasattr(fc, "net_")
