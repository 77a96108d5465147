"""What estimators take from MNE: native rates, channels by name, one rule for bad channels."""

import mne
import numpy as np
import pytest

from bptlearn import BPTEncoder
from bptlearn.exceptions import BPTWarning, ChannelMismatchError

from ..helpers import FAST

NAMES = ["LA1", "LA2", "LB1"]


def _epochs(sfreq=250.0, seconds=24.0, names=NAMES, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.normal(0.0, 20e-6, size=(len(names), int(round(seconds * sfreq))))
    raw = mne.io.RawArray(data, mne.create_info(list(names), sfreq, "seeg"), verbose="error")
    return mne.make_fixed_length_epochs(raw, duration=6.0, preload=True, verbose="error")


@pytest.mark.parametrize("sfreq", [173.61, 399.6097561])
def test_native_rate_epochs_at_rounded_rates_are_accepted(sfreq):
    epochs = _epochs(sfreq)
    assert epochs.get_data().shape[2] in (1042, 2398)  # 6 s rounded to whole samples
    out = BPTEncoder(**FAST).fit_transform(epochs)
    assert out.shape == (4, 10) and np.isfinite(out).all()


def test_windows_off_whole_patches_by_more_than_one_sample_are_still_refused():
    X = np.zeros((2, 3, 1502))
    with pytest.raises(ValueError, match=r"Windows of 1502 samples at 250 Hz last 6.008 s"):
        BPTEncoder(**FAST).fit(X)


def test_epochs_with_reordered_channels_are_matched_by_name():
    epochs = _epochs()
    enc = BPTEncoder(pooling="channel", **FAST).fit(epochs)
    shuffled = epochs.copy().reorder_channels(["LB1", "LA1", "LA2"])
    np.testing.assert_allclose(enc.transform(shuffled), enc.transform(epochs), atol=1e-5)


def test_bad_channels_are_dropped_by_estimators_as_by_to_windows():
    from bptlearn.data import to_windows

    epochs = _epochs()
    epochs.info["bads"] = ["LA2"]
    with pytest.warns(BPTWarning, match=r"Dropped 1 bad channel\(s\) listed in info\['bads'\]"):
        enc = BPTEncoder(**FAST).fit(epochs)
    assert list(enc.ch_names_in_) == ["LA1", "LB1"] and enc.n_chans_in_ == 2
    with pytest.warns(BPTWarning, match="Dropped 1 bad channel"):
        assert to_windows(epochs, n_patches=1).ch_names == ["LA1", "LB1"]


def test_transforming_a_bare_array_after_fitting_on_epochs_warns():
    epochs = _epochs()
    enc = BPTEncoder(**FAST).fit(epochs)
    with pytest.warns(BPTWarning, match=r"X carries no channel names, but this BPTEncoder was "
                                        r"fitted on named channels"):
        enc.transform(epochs.get_data(units="uV"))


def test_epochs_missing_a_fitted_channel_still_raise():
    enc = BPTEncoder(pooling="channel", **FAST).fit(_epochs())
    with pytest.raises(ChannelMismatchError, match=r"missing \['LB1'\]"):
        enc.transform(_epochs(names=["LA1", "LA2", "LC1"]))
