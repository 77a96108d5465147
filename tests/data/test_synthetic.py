"""Tests of make_seeg, SEEGRecording and make_seeg_windows."""

import re

import numpy as np
import pytest
from scipy.signal import welch

from bptlearn.data import make_seeg, make_seeg_windows
from bptlearn.data._reference import parse_contact


def test_make_seeg_returns_one_recording_per_patient_with_its_channel_count():
    recs = make_seeg(n_patients=3, n_chans=(4, 6, 9), duration=60.0, random_state=0)
    assert [r.data.shape for r in recs] == [(4, 15000), (6, 15000), (9, 15000)]
    assert [r.patient_id for r in recs] == ["P01", "P02", "P03"]
    assert all(r.labels.shape == r.data.shape and r.labels.dtype == bool for r in recs)
    assert all(r.data.dtype == np.float64 and r.sfreq == 250.0 for r in recs)


def test_make_seeg_repeats_a_short_channel_count_sequence():
    recs = make_seeg(n_patients=3, n_chans=(4, 5), duration=60.0, random_state=0)
    assert [r.n_chans for r in recs] == [4, 5, 4]


def test_make_seeg_same_seed_gives_identical_output():
    a = make_seeg(n_patients=2, n_chans=5, duration=60.0, line_freq=50.0, random_state=7)
    b = make_seeg(n_patients=2, n_chans=5, duration=60.0, line_freq=50.0, random_state=7)
    for ra, rb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ra.data, rb.data)
        np.testing.assert_array_equal(ra.labels, rb.labels)
        assert ra.ch_names == rb.ch_names and ra.seizures == rb.seizures


def test_make_seeg_different_seeds_give_different_signals():
    a = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=1)[0]
    b = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=2)[0]
    assert not np.allclose(a.data, b.data)


def test_make_seeg_channel_names_are_parseable_shaft_contacts():
    rec = make_seeg(n_patients=1, n_chans=20, duration=60.0, random_state=0)[0]
    assert len(set(rec.ch_names)) == 20
    assert all(re.fullmatch(r"[A-Z]+\d+", name) for name in rec.ch_names)
    shafts = [parse_contact(name)[0] for name in rec.ch_names]
    assert len(set(shafts)) == 3  # 8 + 8 + 4 contacts
    assert [parse_contact(name)[1] for name in rec.ch_names[:8]] == list(range(1, 9))


def test_make_seeg_background_has_tens_of_microvolts_and_a_falling_spectrum():
    rec = make_seeg(n_patients=1, n_chans=8, duration=120.0, n_seizures=0, random_state=3)[0]
    rms = rec.data.std(axis=1)
    assert np.all((rms > 5.0) & (rms < 200.0))
    freqs, psd = welch(rec.data, fs=rec.sfreq, nperseg=1000)
    low = psd[:, (freqs >= 1) & (freqs <= 4)].mean(axis=1)
    high = psd[:, (freqs >= 60) & (freqs <= 100)].mean(axis=1)
    assert np.all(low > 30 * high)


def test_make_seeg_neighbouring_contacts_are_more_correlated_than_distant_ones():
    rec = make_seeg(n_patients=1, n_chans=8, duration=120.0, n_seizures=0, random_state=4)[0]
    corr = np.corrcoef(rec.data)
    neighbours = np.mean([corr[i, i + 1] for i in range(7)])
    distant = np.mean([corr[i, i + 5] for i in range(3)])
    assert neighbours > distant + 0.2


def test_make_seeg_line_noise_adds_a_peak_at_line_freq():
    rec = make_seeg(n_patients=1, n_chans=4, duration=60.0, line_freq=60.0, random_state=0)[0]
    freqs, psd = welch(rec.data, fs=rec.sfreq, nperseg=1000)
    at = psd[:, np.argmin(np.abs(freqs - 60.0))]
    around = psd[:, (np.abs(freqs - 60.0) > 3) & (np.abs(freqs - 60.0) < 10)].mean(axis=1)
    assert np.all(at > 10 * around)


def test_make_seeg_seizure_is_several_times_background_and_labels_match_it():
    rec = make_seeg(n_patients=1, n_chans=8, duration=120.0, random_state=5)[0]
    (onset, duration, starts), = rec.seizures
    ictal = rec.labels.any(axis=0)
    first = np.flatnonzero(ictal)[0] / rec.sfreq
    last = (np.flatnonzero(ictal)[-1] + 1) / rec.sfreq
    assert first == pytest.approx(onset) and last <= onset + duration + 1e-9
    for ch in starts:
        c = rec.ch_names.index(ch)
        assert rec.labels[c, int(onset * rec.sfreq)]
        ratio = rec.data[c, rec.labels[c]].std() / rec.data[c, ~rec.labels[c]].std()
        assert ratio > 2.0


def test_make_seeg_seizure_spreads_to_other_channels_later():
    rec = make_seeg(n_patients=1, n_chans=16, duration=120.0, random_state=6)[0]
    first = [np.flatnonzero(row)[0] for row in rec.labels if row.any()]
    assert len(first) >= 2
    assert max(first) > min(first) + rec.sfreq  # at least one channel joins > 1 s later


def test_make_seeg_patients_differ_in_amplitude():
    recs = make_seeg(n_patients=4, n_chans=6, duration=60.0, n_seizures=0, random_state=0)
    rms = [np.median(r.data.std(axis=1)) for r in recs]
    assert max(rms) > 1.3 * min(rms)


def test_to_raw_stores_volts_seeg_types_and_channel_specific_annotations(recording):
    raw = recording.to_raw()
    np.testing.assert_allclose(raw.get_data(units="uV"), recording.data)
    assert set(raw.get_channel_types()) == {"seeg"}
    ann = raw.annotations
    assert set(ann.description) == {"seizure"}
    assert all(len(chs) == 1 for chs in ann.ch_names)
    labelled = {recording.ch_names[c] for c in np.flatnonzero(recording.labels.any(axis=1))}
    assert {chs[0] for chs in ann.ch_names} == labelled
    total = ann.duration.sum() * recording.sfreq
    assert total == pytest.approx(recording.labels.sum())


def test_make_seeg_rejects_a_duration_too_short_for_its_seizures():
    with pytest.raises(ValueError, match=r"duration=30.0 s cannot hold n_seizures=1"):
        make_seeg(n_patients=1, duration=30.0)


def test_make_seeg_uses_the_first_channel_counts_when_there_are_fewer_patients():
    recs = make_seeg(n_patients=2, n_chans=(4, 5, 6), duration=60.0, random_state=0)
    assert [r.n_chans for r in recs] == [4, 5]


def test_make_seeg_rejects_a_non_integer_channel_count():
    with pytest.raises(TypeError, match=r"n_chans must be an instance of int-like, got float"):
        make_seeg(n_patients=1, n_chans=4.5, duration=60.0)


def test_make_seeg_windows_shapes_dtypes_and_groups():
    X, y, y_tokens, groups = make_seeg_windows(n_patients=3, n_chans=5, n_windows=10,
                                               n_patches=2, random_state=0)
    assert X.shape == (30, 5, 3000) and X.dtype == np.float32
    assert y.shape == (30,) and y.dtype == np.int64
    assert y_tokens.shape == (30, 5, 2) and y_tokens.dtype == np.int64
    assert sorted(set(groups)) == ["P01", "P02", "P03"] and groups.dtype == object
    np.testing.assert_array_equal(y, y_tokens.any(axis=(1, 2)))


def test_make_seeg_windows_positive_fraction_follows_seizure_fraction():
    _, y, _, groups = make_seeg_windows(n_patients=2, n_windows=20, seizure_fraction=0.25,
                                        random_state=0)
    for g in ("P01", "P02"):
        assert y[groups == g].sum() == 5


def test_make_seeg_windows_amplitude_alone_does_not_separate_the_classes():
    X, y, _, _ = make_seeg_windows(random_state=0)
    peak = np.abs(X).max(axis=(1, 2))
    auc = (peak[y == 1][:, None] > peak[y == 0][None, :]).mean()
    assert 0.6 < auc < 0.95


def test_make_seeg_windows_same_seed_gives_identical_output():
    a = make_seeg_windows(n_patients=2, n_windows=5, random_state=3)
    b = make_seeg_windows(n_patients=2, n_windows=5, random_state=3)
    for xa, xb in zip(a, b, strict=True):
        np.testing.assert_array_equal(xa, xb)


def test_make_seeg_windows_rejects_windows_too_short_for_a_seizure():
    with pytest.raises(ValueError, match=r"needs at least 4 s"):
        make_seeg_windows(n_patches=1, patch_len=500)


def test_make_seeg_rejects_line_noise_above_nyquist():
    with pytest.raises(ValueError, match=r"line_freq=60.0 Hz is not below the Nyquist"):
        make_seeg(n_patients=1, duration=60.0, sfreq=100.0, line_freq=60.0)


def test_make_seeg_events_hold_seizure_labels_and_interictal_spikes():
    rec = make_seeg(n_patients=1, n_chans=8, duration=120.0, random_state=5)[0]
    assert sorted(rec.events) == ["seizure", "spike"]
    np.testing.assert_array_equal(rec.events["seizure"], rec.labels)
    spikes = rec.events["spike"]
    assert spikes.shape == rec.data.shape and spikes.dtype == bool
    assert spikes.any() and not (spikes & rec.labels).any()
    c = int(np.argmax(spikes.sum(axis=1)))
    assert np.abs(rec.data[c, spikes[c]]).max() > 2 * rec.data[c, ~spikes[c]].std()
