"""Tests of annotations_to_labels: the overlap rule on hand-made annotations."""

import logging
import warnings

import mne
import numpy as np
import pytest

from bptlearn.data import annotations_to_labels, to_windows
from bptlearn.exceptions import BPTWarning


@pytest.fixture(scope="module")
def windows():
    """Five 6-s windows (one patch each) of two channels A1, A2, starting at 0 s."""
    x = np.random.default_rng(0).normal(size=(2, 7500))
    return to_windows(x, sfreq=250.0, n_patches=1, ch_names=["A1", "A2"])


@pytest.fixture(scope="module")
def long_windows():
    """Two 18-s windows of 3 patches, channels A1, A2."""
    x = np.random.default_rng(1).normal(size=(2, 9000))
    return to_windows(x, sfreq=250.0, n_patches=3, ch_names=["A1", "A2"])


def _ann(onsets, durations, descriptions=None, ch_names=None):
    descriptions = descriptions or ["seizure"] * len(onsets)
    return mne.Annotations(onsets, durations, descriptions, ch_names=ch_names)


@pytest.mark.parametrize("min_overlap", [0.0, 0.3, 0.5, 1.0])
def test_a_window_fully_inside_a_seizure_is_always_labelled_1(windows, min_overlap):
    # seizure 5.9-12.1 s holds window 1 (6-12 s) entirely, with float-unfriendly edges
    y, y_tokens = annotations_to_labels(_ann([5.9], [6.2]), windows, min_overlap=min_overlap)
    assert y[1] == 1 and y_tokens[1].all()


def test_a_window_exactly_equal_to_the_seizure_is_labelled_1_at_min_overlap_1(windows):
    y, _ = annotations_to_labels(_ann([0.1 + 0.2 - 0.3 + 6.0], [6.0]), windows,
                                 min_overlap=1.0)
    assert y.tolist() == [0, 1, 0, 0, 0]


def test_overlap_below_min_overlap_gives_0_and_at_or_above_gives_1(windows):
    ann = _ann([4.5, 15.0], [3.0, 3.0])  # window 0: 1.5 s, window 1: 1.5 s; window 2: 3 s
    with pytest.warns(BPTWarning, match="4.5-7.5 s"):
        y, _ = annotations_to_labels(ann, windows, min_overlap=0.5)
    assert y.tolist() == [0, 0, 1, 0, 0]
    y, _ = annotations_to_labels(ann, windows, min_overlap=0.25)
    assert y.tolist() == [1, 1, 1, 0, 0]


def test_min_overlap_0_means_any_overlap_but_not_a_touching_edge(windows):
    y, _ = annotations_to_labels(_ann([11.99], [0.01]), windows, min_overlap=0.0)
    assert y.tolist() == [0, 1, 0, 0, 0]  # ends exactly where window 2 starts


def test_adjacent_events_are_merged_before_the_overlap_is_measured(windows):
    y, _ = annotations_to_labels(_ann([12.0, 15.0], [3.0, 3.0]), windows, min_overlap=1.0)
    assert y.tolist() == [0, 0, 1, 0, 0]


def test_channel_specific_events_label_only_their_channels_tokens(windows):
    ann = _ann([6.0], [6.0], ch_names=[["A2"]])
    y, y_tokens = annotations_to_labels(ann, windows)
    assert y.tolist() == [0, 1, 0, 0, 0]
    assert y_tokens[1, :, 0].tolist() == [0, 1]


def test_events_on_channels_not_in_the_windows_count_for_the_window_only(windows):
    y, y_tokens = annotations_to_labels(_ann([6.0], [6.0], ch_names=[["B7"]]), windows)
    assert y[1] == 1 and not y_tokens.any()


def test_tokens_use_the_patch_overlap(long_windows):
    # 18-s windows of three 6-s patches; seizure 4-13 s on every channel
    y, y_tokens = annotations_to_labels(_ann([4.0], [9.0]), long_windows, min_overlap=0.5,
                                        token_min_overlap=0.5)
    assert y.tolist() == [1, 0]  # 9 s of 18
    assert y_tokens[0, 0].tolist() == [0, 1, 0]  # 2 s, 6 s, 1 s of the three patches
    _, y_tokens = annotations_to_labels(_ann([4.0], [9.0]), long_windows, token_min_overlap=0.0)
    assert y_tokens[0, 1].tolist() == [1, 1, 1]


def test_regex_selects_descriptions(windows):
    ann = _ann([0.0, 12.0], [6.0, 6.0], descriptions=["artifact", "Seizure onset"])
    y, _ = annotations_to_labels(ann, windows)
    assert y.tolist() == [0, 0, 1, 0, 0]
    y, _ = annotations_to_labels(ann, windows, regex=r"^artifact$")
    assert y.tolist() == [1, 0, 0, 0, 0]


def test_no_matching_description_labels_nothing_and_only_logs_it(windows, caplog):
    # an interictal recording is legitimate: no warning, an informational log line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.INFO, logger="bptlearn.data._labels"):
            y, _ = annotations_to_labels(_ann([0.0], [6.0], ["artifact"]), windows)
    assert not y.any()
    assert "No annotation description matches regex='(?i)seiz'" in caplog.text
    assert "'artifact'" in caplog.text


def test_an_event_too_short_for_min_overlap_is_reported(windows):
    with pytest.warns(BPTWarning, match=r"1 event\(s\) overlap windows but label none.*13-15 s"):
        y, _ = annotations_to_labels(_ann([13.0], [2.0]), windows, min_overlap=0.5)
    assert not y.any()


def test_min_overlap_outside_0_1_is_rejected(windows):
    with pytest.raises(ValueError, match=r"min_overlap must be a fraction in \[0, 1\]"):
        annotations_to_labels(_ann([0.0], [1.0]), windows, min_overlap=1.5)


def test_raw_annotations_rebuild_the_synthetic_labels(recording):
    raw = recording.to_raw()
    w = to_windows(raw, n_patches=2)
    _, y_tokens = annotations_to_labels(raw, w, min_overlap=0.0)
    n = len(w) * 3000
    per_patch = recording.labels[:, :n].reshape(8, len(w), 2, 1500).any(-1).transpose(1, 0, 2)
    np.testing.assert_array_equal(y_tokens, per_patch)


def test_annotations_follow_first_samp_of_a_cropped_raw(recording):
    raw = recording.to_raw().crop(30.0, None)  # first_samp becomes 7500
    w = to_windows(raw, n_patches=1)
    assert w.onsets[0] == pytest.approx(30.0)
    _, y_tokens = annotations_to_labels(raw, w, min_overlap=0.0)
    labels = recording.labels[:, 7500:7500 + len(w) * 1500]
    expected = labels.reshape(8, len(w), 1500).any(-1).T
    np.testing.assert_array_equal(y_tokens[:, :, 0], expected)


def test_epochs_carry_their_annotations(raw):
    events = np.array([[int(s * 250), 0, 1] for s in (0.0, 30.0, 60.0, 90.0)])
    epochs = mne.Epochs(raw, events, tmin=0.0, tmax=24.0 - 1 / 250, baseline=None,
                        verbose="error")
    w = to_windows(epochs, n_patches=2)
    y, _ = annotations_to_labels(epochs, w, min_overlap=0.0)
    from_raw, _ = annotations_to_labels(raw, w, min_overlap=0.0)
    np.testing.assert_array_equal(y, from_raw)
    assert y.any()
