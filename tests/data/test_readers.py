"""Tests of read_recording and read_bids, on files the tests write themselves."""

import sys
import warnings

import mne
import numpy as np
import pytest

from bptlearn.data import annotations_to_labels, read_bids, read_recording, to_windows
from bptlearn.exceptions import BPTWarning

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


def _bids_dataset(root):
    """A small iEEG-BIDS dataset written by mne-bids: 4 SEEG contacts (one bad) at 500 Hz,
    electrodes in MNI space, a seizure and an artefact in events.tsv."""
    import mne_bids

    names = ["LA1", "LA2", "LB1", "LB2"]
    data = np.random.default_rng(0).normal(0.0, 20e-6, size=(4, 500 * 30))
    raw = mne.io.RawArray(data, mne.create_info(names, 500.0, "seeg"), verbose="error")
    raw.info["line_freq"] = 50.0
    raw.info["bads"] = ["LB2"]
    pos = {n: np.array([0.01 * i, 0.02, 0.03]) for i, n in enumerate(names)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no fiducials: identity transform
        raw.set_montage(mne.channels.make_dig_montage(ch_pos=pos, coord_frame="mni_tal"))
    raw.set_annotations(mne.Annotations([5.0, 20.0], [2.0, 3.0], ["seizure", "BAD_artifact"]))
    path = mne_bids.BIDSPath(subject="01", session="01", task="rest", run=1, datatype="ieeg",
                             root=root)
    mne_bids.write_raw_bids(raw, path, allow_preload=True, format="BrainVision",
                            verbose="error")


def test_read_bids_reads_a_real_ieeg_dataset_written_by_mne_bids(tmp_path):
    _bids_dataset(tmp_path)
    assert (tmp_path / "sub-01" / "ses-01" / "ieeg" /
            "sub-01_ses-01_space-fsaverage_electrodes.tsv").is_file()
    raw = read_bids(tmp_path, subject="01", session="01", task="rest", run=1)
    assert raw.get_channel_types() == ["seeg"] * 4 and raw.info["bads"] == ["LB2"]
    assert raw.info["sfreq"] == 500.0 and raw.info["subject_info"]["his_id"] == "01"
    assert sorted(raw.annotations.description) == ["BAD_artifact", "seizure"]
    assert raw.get_montage().get_positions()["coord_frame"] == "mni_tal"
    with pytest.warns(BPTWarning):  # LB2 dropped, the artefact's window rejected
        w = to_windows(raw, n_patches=1)
    assert w.ch_names == ["LA1", "LA2", "LB1"] and w.bads == ["LB2"]
    assert w.n_rejected == 1 and len(w) == 4 and set(w.groups) == {"01"}
    y, _ = annotations_to_labels(raw, w, min_overlap=0.0)
    assert y.tolist() == [1, 1, 0, 0]  # the seizure (5-7 s) spans windows 0-6 s and 6-12 s


def test_read_bids_rejects_a_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No BIDS dataset at"):
        read_bids(tmp_path / "missing", subject="01")
