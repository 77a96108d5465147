"""Tests of iter_windows: streaming equals the whole-recording result."""

import mne
import numpy as np
import pytest

from bptlearn.data import iter_windows, make_seeg, to_windows
from bptlearn.exceptions import BPTWarning


@pytest.fixture(scope="module")
def raw_1k():
    """A 200-s, 5-channel recording at 1000 Hz with 50-Hz line noise."""
    rec = make_seeg(n_patients=1, n_chans=5, duration=200.0, sfreq=1000.0, line_freq=50.0,
                    seizure_duration=(20.0, 30.0), random_state=3)[0]
    return rec.to_raw()


def _stack(batches):
    return (np.concatenate([b.X for b in batches]), np.concatenate([b.onsets for b in batches]))


@pytest.mark.parametrize("batch_size", [1, 3])
def test_streaming_equals_the_whole_recording_with_filters_and_resampling(raw_1k, batch_size):
    kwargs = dict(n_patches=2, l_freq=0.5, h_freq=100.0, notch=50.0)
    whole = to_windows(raw_1k, **kwargs)
    X, onsets = _stack(list(iter_windows(raw_1k, batch_size=batch_size, **kwargs)))
    np.testing.assert_array_equal(onsets, whole.onsets)
    # every filter is finite and gets its full context: equal up to float32 rounding
    np.testing.assert_allclose(X, whole.X, rtol=0, atol=1e-5 * np.abs(whole.X).max())


def test_streaming_with_overlapping_stride_equals_the_whole_recording(raw_1k):
    whole = to_windows(raw_1k, n_patches=1, stride=2.5)
    X, onsets = _stack(list(iter_windows(raw_1k, batch_size=7, n_patches=1, stride=2.5)))
    np.testing.assert_array_equal(onsets, whole.onsets)
    np.testing.assert_allclose(X, whole.X, rtol=0, atol=1e-5 * np.abs(whole.X).max())


def test_streaming_a_fif_file_reads_it_lazily(raw_1k, tmp_path):
    path = tmp_path / "rec_raw.fif"
    raw_1k.save(path, verbose="error")
    batches = iter_windows(path, batch_size=4, n_patches=3)
    first = next(batches)
    assert first.X.shape == (4, 5, 4500) and first.groups[0] == "P01"
    X, _ = _stack([first, *batches])
    np.testing.assert_allclose(X, to_windows(raw_1k, n_patches=3).X, rtol=1e-5, atol=1e-3)


def test_streaming_a_memory_mapped_npy_file(tmp_path, rng):
    data = rng.normal(0.0, 30.0, size=(3, 18_000)).astype(np.float32)  # 36 s
    np.save(tmp_path / "rec.npy", data)
    batches = list(iter_windows(tmp_path / "rec.npy", sfreq=500.0, batch_size=2, n_patches=1))
    assert [len(b) for b in batches] == [2, 2, 2]
    whole = to_windows(data, sfreq=500.0, n_patches=1)
    np.testing.assert_allclose(_stack(batches)[0], whole.X, rtol=0, atol=1e-4)


def test_a_npy_file_without_sfreq_is_rejected(tmp_path):
    np.save(tmp_path / "rec.npy", np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"does not store its sampling rate. Pass sfreq"):
        iter_windows(tmp_path / "rec.npy")


def test_a_too_short_recording_fails_at_the_call_not_at_the_first_batch():
    with pytest.raises(ValueError, match=r"shorter than one window"):
        iter_windows(np.ones((2, 1000)), sfreq=250.0, n_patches=1)


def test_epochs_are_sent_to_to_windows(raw_1k):
    epochs = mne.make_fixed_length_epochs(raw_1k, duration=10.0, verbose="error")
    with pytest.raises(TypeError, match=r"Use to_windows\(epochs\)"):
        iter_windows(epochs)


def test_streaming_drops_windows_with_nan_under_omit(rng):
    data = rng.normal(size=(2, 6000))
    data[1, 4000] = np.nan
    with pytest.warns(BPTWarning, match="dropped 1 window"):
        batches = list(iter_windows(data, sfreq=250.0, batch_size=2, n_patches=1,
                                    nan_policy="omit"))
    np.testing.assert_allclose(_stack(batches)[1], [0.0, 6.0, 18.0])
    assert np.isnan(data[1, 4000])  # the input is untouched


def test_streaming_flags_a_flat_channel_once(rng):
    data = rng.normal(size=(2, 7500))
    data[0] = 0.0
    with pytest.warns(BPTWarning, match=r"flat channel") as record:
        batches = list(iter_windows(data, sfreq=250.0, batch_size=1, n_patches=1))
    assert len([w for w in record if "flat" in str(w.message)]) == 1
    assert all(b.flat == ["0"] for b in batches)
