"""Fixtures for the data-layer tests: small synthetic recordings, built once per module."""

import mne
import numpy as np
import pytest

from bptlearn.data import make_seeg


@pytest.fixture(scope="module")
def recording():
    """One 8-channel, 120-s synthetic recording at 250 Hz with one seizure."""
    return make_seeg(n_patients=1, n_chans=8, duration=120.0, seizure_duration=(20.0, 30.0),
                     random_state=42)[0]


@pytest.fixture(scope="module")
def raw(recording):
    """The recording as an MNE RawArray (volts, 'seeg', channel-specific annotations)."""
    return recording.to_raw()


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def write_recording(path, data_uv, sfreq, ch_names):
    """Write (n_chans, n_times) µV data as EEG channels with MNE's exporters (EDF through
    edfio, BrainVision through pybv, chosen by the file name)."""
    info = mne.create_info(list(ch_names), sfreq, "eeg")
    raw = mne.io.RawArray(np.asarray(data_uv) * 1e-6, info, verbose="error")
    mne.export.export_raw(path, raw, overwrite=True, verbose="error")
