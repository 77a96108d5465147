"""Tests of read_recording and read_bids, on files the tests write themselves."""

import sys
import types

import numpy as np
import pytest

from bptlearn.data import read_bids, read_recording, to_windows

from .conftest import write_recording

NAMES = ["LA1", "LA2", "LA3"]


@pytest.fixture
def data_uv(rng):
    return rng.normal(0.0, 40.0, size=(3, 5000))


def test_fif_round_trip_reads_lazily_with_the_same_data(raw, tmp_path):
    path = tmp_path / "rec_raw.fif"
    raw.save(path, verbose="error")
    back = read_recording(path)
    assert not back.preload
    np.testing.assert_allclose(back.get_data(), raw.get_data())
    assert back.get_channel_types() == raw.get_channel_types()
    assert len(back.annotations) == len(raw.annotations)


def test_edf_is_read_and_channel_types_can_be_set(data_uv, tmp_path):
    write_recording(tmp_path / "rec.edf", data_uv, 250.0, NAMES)
    raw = read_recording(tmp_path / "rec.edf", ch_types="seeg", subject="P03")
    assert raw.ch_names == NAMES and set(raw.get_channel_types()) == {"seeg"}
    np.testing.assert_allclose(raw.get_data(units="uV"), data_uv, atol=0.1)  # 16-bit samples
    w = to_windows(raw, n_patches=1)
    assert w.X.shape == (3, 3, 1500) and set(w.groups) == {"P03"}


def test_edf_channels_load_as_eeg_and_to_windows_says_how_to_fix_it(data_uv, tmp_path):
    write_recording(tmp_path / "rec.edf", data_uv, 250.0, NAMES)
    raw = read_recording(tmp_path / "rec.edf")
    with pytest.raises(ValueError, match=r"EDF files load every channel as 'eeg'"):
        to_windows(raw)
    assert to_windows(raw, picks="eeg", n_patches=1).X.shape == (3, 3, 1500)


def test_brainvision_is_read(data_uv, tmp_path):
    write_recording(tmp_path / "rec.vhdr", data_uv, 500.0, NAMES)
    raw = read_recording(tmp_path / "rec.vhdr", ch_types={"LA1": "seeg", "LA2": "seeg",
                                                          "LA3": "ecog"})
    assert raw.info["sfreq"] == 500.0 and raw.get_channel_types() == ["seeg", "seeg", "ecog"]
    np.testing.assert_allclose(raw.get_data() * 1e6, data_uv, rtol=1e-5, atol=1e-4)
    assert to_windows(raw, n_patches=1).X.shape == (1, 3, 1500)  # mixed seeg + ecog


def test_npy_needs_sfreq_and_gets_names_and_subject(data_uv, tmp_path):
    path = tmp_path / "rec.npy"
    np.save(path, data_uv)
    with pytest.raises(ValueError, match=r"does not store its sampling rate. Pass sfreq"):
        read_recording(path)
    raw = read_recording(path, sfreq=250.0, ch_names=NAMES, subject="P09")
    np.testing.assert_allclose(raw.get_data(units="uV"), data_uv)
    assert raw.ch_names == NAMES and raw.info["subject_info"]["his_id"] == "P09"


def test_an_unknown_extension_is_rejected_listing_the_supported_ones(tmp_path):
    (tmp_path / "rec.xyz").write_text("")
    with pytest.raises(ValueError, match=r"Cannot read 'rec.xyz'.*\.edf, \.bdf, \.vhdr"):
        read_recording(tmp_path / "rec.xyz")


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No recording at .*nothere.fif"):
        read_recording(tmp_path / "nothere.fif")


def test_sfreq_contradicting_the_file_is_rejected(data_uv, tmp_path):
    write_recording(tmp_path / "rec.edf", data_uv, 250.0, NAMES)
    with pytest.raises(ValueError, match=r"sfreq=1000.0 contradicts the file's sampling rate"):
        read_recording(tmp_path / "rec.edf", sfreq=1000.0)


def test_read_bids_without_mne_bids_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mne_bids", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install bptlearn\[bids\]"):
        read_bids(tmp_path, subject="01")


def test_read_bids_passes_the_entities_and_sets_the_subject(monkeypatch, tmp_path, raw):
    calls = {}

    def bids_path(**kwargs):
        calls.update(kwargs)
        return "the-path"

    def read_raw_bids(path, verbose=None):
        assert path == "the-path"
        return raw.copy()

    fake = types.SimpleNamespace(BIDSPath=bids_path, read_raw_bids=read_raw_bids)
    monkeypatch.setitem(sys.modules, "mne_bids", fake)
    out = read_bids(tmp_path, subject="07", session="01", task="rest", run=2)
    assert calls == dict(root=tmp_path, subject="07", session="01", task="rest", run=2,
                         acquisition=None, datatype="ieeg")
    assert set(to_windows(out, n_patches=1).groups) == {"07"}
    assert raw.info["subject_info"]["his_id"] == "P01"  # the original is untouched


def test_read_bids_rejects_a_missing_root(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mne_bids", types.SimpleNamespace())
    with pytest.raises(FileNotFoundError, match=r"No BIDS dataset at"):
        read_bids(tmp_path / "missing", subject="01")
