"""Tests of to_windows: shapes, resampling, filtering, channels and bad input."""

import mne
import numpy as np
import pytest
from scipy.signal import resample_poly

from bptlearn.data import Windows, make_seeg, to_windows
from bptlearn.exceptions import BPTWarning, ChannelMismatchError


def _sine_raw(freqs, sfreq=500.0, duration=60.0, names=("LA1", "LA2"), amp_uv=100.0):
    t = np.arange(int(duration * sfreq)) / sfreq
    data = np.array([amp_uv * np.sin(2 * np.pi * f * t) for f in freqs]) * 1e-6
    return mne.io.RawArray(data, mne.create_info(list(names), sfreq, "seeg"), verbose="error")


def test_raw_becomes_windows_of_patches_at_250_hz(raw):
    w = to_windows(raw, n_patches=3)
    assert isinstance(w, Windows)
    assert w.X.shape == (6, 8, 4500) and w.X.dtype == np.float32
    assert w.sfreq == 250.0 and w.duration == 18.0 and len(w) == 6
    assert w.ch_names == raw.ch_names
    np.testing.assert_allclose(w.onsets, 18.0 * np.arange(6))
    np.testing.assert_allclose(w.X[1], raw.get_data(units="uV")[:, 4500:9000], rtol=1e-5)


def test_resampling_is_scipy_polyphase_on_microvolts():
    rec = make_seeg(n_patients=1, n_chans=3, duration=60.0, sfreq=1000.0, n_seizures=0,
                    random_state=0)[0]
    w = to_windows(rec.to_raw(), n_patches=1)
    expected = resample_poly(rec.data, 1, 4, axis=-1)[:, :1500]
    np.testing.assert_allclose(w.X[0], expected, rtol=1e-5, atol=1e-4)


def test_resampling_from_512_hz_keeps_a_10_hz_sine():
    w = to_windows(_sine_raw([10.0, 10.0], sfreq=512.0), n_patches=1)
    t = (np.arange(1500) + 1500) / 250.0
    np.testing.assert_allclose(w.X[1, 0], 100.0 * np.sin(2 * np.pi * 10.0 * t), atol=0.5)


def test_band_pass_removes_a_sine_outside_the_band():
    w = to_windows(_sine_raw([2.0, 40.0]), n_patches=1, l_freq=8.0, h_freq=30.0)
    assert np.abs(w.X[1:-1]).max() < 2.0  # both sines are out of band


def test_notch_removes_line_noise_and_its_harmonic():
    raw = _sine_raw([50.0, 100.0])
    w = to_windows(raw, n_patches=1, notch=50.0)
    assert np.abs(w.X[1:-1]).max() < 2.0
    assert np.abs(to_windows(raw, n_patches=1).X).max() > 90.0


def test_stride_gives_overlapping_windows():
    w = to_windows(np.zeros((2, 15000)) + np.arange(15000), sfreq=250.0, n_patches=2,
                   stride=3.0)
    assert len(w) == (15000 - 3000) // 750 + 1
    np.testing.assert_allclose(w.onsets[:3], [0.0, 3.0, 6.0])
    assert w.X[1, 0, 0] == 750.0


def test_array_input_needs_sfreq():
    with pytest.raises(ValueError, match=r"its sampling rate is unknown. Pass sfreq in Hz"):
        to_windows(np.zeros((2, 5000)))


def test_epoched_arrays_are_windowed_per_epoch_with_their_index():
    X = np.random.default_rng(0).normal(size=(3, 2, 3000))
    w = to_windows(X, sfreq=250.0, n_patches=1, ch_names=["A1", "A2"])
    assert w.X.shape == (6, 2, 1500)
    np.testing.assert_array_equal(w.epochs, [0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(w.onsets, [0.0, 6.0] * 3)
    np.testing.assert_allclose(w.X[3], X[1, :, 1500:], rtol=1e-6)


def test_mne_epochs_onsets_follow_their_events(raw):
    events = np.array([[2500, 0, 1], [12500, 0, 1]])
    epochs = mne.Epochs(raw, events, tmin=0.0, tmax=12.0 - 1 / 250, baseline=None,
                        verbose="error")
    w = to_windows(epochs, n_patches=1)
    np.testing.assert_allclose(w.onsets, [10.0, 16.0, 50.0, 56.0])
    np.testing.assert_array_equal(w.epochs, [0, 0, 1, 1])


def test_onsets_follow_the_annotation_clock_when_first_samp_is_not_zero():
    info = mne.create_info(["LA1"], 250.0, "seeg")
    raw = mne.io.RawArray(np.ones((1, 3000)) * np.arange(3000) * 1e-6, info, first_samp=500,
                          verbose="error")
    w = to_windows(raw, n_patches=1)
    np.testing.assert_allclose(w.onsets, [2.0, 8.0])


def test_bad_channels_are_dropped_reported_and_warned(recording):
    raw = recording.to_raw()
    raw.info["bads"] = ["LA1"] if "LA1" in raw.ch_names else [raw.ch_names[0]]
    bad = raw.info["bads"][0]
    with pytest.warns(BPTWarning, match=r"Dropped 1 bad channel\(s\)"):
        w = to_windows(raw, n_patches=1)
    assert w.bads == [bad] and bad not in w.ch_names and w.X.shape[1] == 7


def test_channels_selects_and_orders_channels(raw):
    w = to_windows(raw, n_patches=1, channels=raw.ch_names[::-1][:3])
    assert w.ch_names == raw.ch_names[::-1][:3]
    np.testing.assert_allclose(w.X[0, 0], raw.get_data(units="uV")[-1, :1500], rtol=1e-5)


def test_missing_channels_raise_channel_mismatch_naming_them(raw):
    with pytest.raises(ChannelMismatchError, match=r"not available: \['XX9'\]"):
        to_windows(raw, n_patches=1, channels=[raw.ch_names[0], "XX9"])


def test_unknown_channel_type_in_picks_is_rejected(raw):
    with pytest.raises(ValueError, match=r"Invalid value for the 'picks' parameter.*'meg'"):
        to_windows(raw, picks=("seeg", "meg"))


def test_a_recording_without_picked_types_suggests_set_channel_types(raw):
    eeg = raw.copy().set_channel_types({n: "eeg" for n in raw.ch_names})
    with pytest.raises(ValueError, match=r"no channel of type \['seeg', 'ecog', 'dbs'\].*"
                                         r"picks=\('eeg',\).*set_channel_types"):
        to_windows(eeg)


def test_recording_shorter_than_a_window_suggests_fewer_patches(raw):
    with pytest.raises(ValueError, match=r"shorter than one window.*Pass n_patches=13 or fewer"):
        to_windows(raw.copy().crop(0, 80.0), n_patches=15)


def test_recording_shorter_than_one_patch_is_rejected():
    with pytest.raises(ValueError, match=r"shorter than one patch \(6 s\)"):
        to_windows(np.zeros((2, 1000)), sfreq=250.0, n_patches=1)


def test_more_than_15_patches_are_rejected(raw):
    with pytest.raises(ValueError, match=r"n_patches must be an int between 1 and 15, got 16"):
        to_windows(raw, n_patches=16)


def test_nan_samples_raise_naming_the_channel_and_the_fix():
    X = np.ones((2, 3000))
    X[1, 1700] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite samples.*\['1'\].*nan_policy='omit'"):
        to_windows(X, sfreq=250.0, n_patches=1)


def test_nan_policy_omit_drops_only_the_windows_holding_them(rng):
    X = rng.normal(size=(2, 4500))
    X[0, 2000] = np.inf
    with pytest.warns(BPTWarning, match=r"dropped 1 window"):
        w = to_windows(X, sfreq=250.0, n_patches=1, nan_policy="omit")
    np.testing.assert_allclose(w.onsets, [0.0, 12.0])
    assert np.isfinite(w.X).all()


def test_flat_channels_are_flagged_and_warned(rng):
    X = rng.normal(size=(3, 3000))
    X[2] = 4.0
    with pytest.warns(BPTWarning, match=r"1 flat channel\(s\) carry no signal: \['c'\]"):
        w = to_windows(X, sfreq=250.0, n_patches=1, ch_names=["a", "b", "c"])
    assert w.flat == ["c"] and w.X.shape[1] == 3


def test_inputs_are_never_modified(raw, rng):
    X = rng.normal(size=(2, 3000))
    X[0, 10] = np.nan
    before = X.copy()
    with pytest.warns(BPTWarning, match="dropped 1 window"):
        to_windows(X, sfreq=250.0, n_patches=1, nan_policy="omit", normalize="robust",
                   l_freq=1.0)
    np.testing.assert_array_equal(X, before)
    data = raw.get_data()
    to_windows(raw, n_patches=1, l_freq=1.0, notch=50.0, normalize="zscore")
    np.testing.assert_array_equal(raw.get_data(), data)


def test_normalisation_is_off_by_default_and_robust_on_request(raw):
    w = to_windows(raw, n_patches=1)
    assert np.abs(w.X).max() > 50.0  # µV, not z-scores
    z = to_windows(raw, n_patches=1, normalize="robust")
    pooled = z.X.transpose(1, 0, 2).reshape(8, -1)
    np.testing.assert_allclose(np.median(pooled, axis=1), 0.0, atol=1e-4)
    mad = 1.4826 * np.median(np.abs(pooled), axis=1)
    np.testing.assert_allclose(mad, 1.0, rtol=1e-3)


def test_subject_id_flows_through_as_groups(raw):
    w = to_windows(raw, n_patches=1)
    assert w.groups is not None and set(w.groups) == {"P01"} and len(w.groups) == len(w)


def test_sfreq_contradicting_mne_info_is_rejected(raw):
    with pytest.raises(ValueError, match=r"sfreq=500.0 contradicts the input's"):
        to_windows(raw, sfreq=500.0)


def test_array_ch_names_must_match_the_channel_count():
    with pytest.raises(ValueError, match=r"ch_names must hold 2 unique names"):
        to_windows(np.zeros((2, 3000)), sfreq=250.0, ch_names=["a"])


def test_h_freq_above_nyquist_is_rejected():
    with pytest.raises(ValueError, match=r"h_freq must be between 0 and 125 Hz"):
        to_windows(np.zeros((2, 3000)), sfreq=250.0, n_patches=1, h_freq=200.0)


# -- MNE's annotations and events (issue 16, section 2) -----------------------------------
def test_windows_straddling_a_concatenation_boundary_are_rejected_and_counted():
    pieces = [_sine_raw([5.0, 7.0], sfreq=250.0, duration=d) for d in (33.0, 27.0)]
    raw = mne.concatenate_raws(pieces)  # adds 'BAD boundary' (zero duration) at 33 s
    with pytest.warns(BPTWarning, match=r"dropped 1 of 10 window\(s\) overlapping the "
                                        r"annotations \['BAD boundary'\]"):
        w = to_windows(raw, n_patches=1)
    assert w.n_rejected == 1 and len(w) == 9
    assert 30.0 not in w.onsets.tolist() and 36.0 in w.onsets.tolist()  # 30-36 s straddles
    kept = to_windows(raw, n_patches=1, reject_by_annotation=False)
    assert kept.n_rejected == 0 and len(kept) == 10


def test_bad_annotations_of_any_case_drop_the_windows_they_touch_in_both_paths():
    from bptlearn.data import iter_windows

    raw = _sine_raw([5.0, 7.0], sfreq=250.0, duration=60.0)
    raw.set_annotations(mne.Annotations([13.0, 40.0], [2.0, 1.0], ["bad_muscle", "seizure"]))
    with pytest.warns(BPTWarning, match="bad_muscle"):
        w = to_windows(raw, n_patches=1)
    assert w.n_rejected == 1 and 12.0 not in w.onsets.tolist() and len(w) == 9
    with pytest.warns(BPTWarning, match=r"dropped 1 of 10"):
        batches = list(iter_windows(raw, n_patches=1, batch_size=4))
    np.testing.assert_array_equal(np.concatenate([b.onsets for b in batches]), w.onsets)
    assert {b.n_rejected for b in batches} == {1}


def test_windows_from_an_events_array_take_trial_offsets_and_event_ids():
    raw = _sine_raw([5.0, 7.0], sfreq=250.0, duration=60.0)
    events = np.array([[250 * 10, 0, 1], [250 * 40, 0, 2]])
    w = to_windows(raw, n_patches=1, events=events, trial_start_offset=-2.0,
                   trial_stop_offset=13.0)  # 15-s trials: two 6-s windows each
    assert w.onsets.tolist() == [8.0, 14.0, 38.0, 44.0]
    assert w.epochs.tolist() == [0, 0, 1, 1] and w.targets.tolist() == [1, 1, 2, 2]
    np.testing.assert_allclose(w.X[2], to_windows(raw, n_patches=1, stride=2.0).X[19],
                               atol=1e-4)  # same samples as the continuous cut at 38 s


def test_windows_from_annotations_end_at_each_annotations_duration():
    raw = _sine_raw([5.0, 7.0], sfreq=250.0, duration=60.0)
    ann = mne.Annotations([5.0, 30.0], [12.0, 6.0], ["left", "right"])
    w = to_windows(raw, n_patches=1, events=ann)
    assert w.onsets.tolist() == [5.0, 11.0, 30.0]
    assert w.targets.tolist() == ["left", "left", "right"]


def test_event_trials_outside_the_recording_or_without_an_end_are_refused():
    raw = _sine_raw([5.0, 7.0], sfreq=250.0, duration=60.0)
    events = np.array([[250 * 55, 0, 1]])
    with pytest.raises(ValueError, match=r"Trial 0 spans samples 13750 to 16250, outside"):
        to_windows(raw, n_patches=1, events=events, trial_stop_offset=10.0)
    with pytest.raises(ValueError, match=r"trial_stop_offset is None, but events arrays"):
        to_windows(raw, n_patches=1, events=events)
    with pytest.raises(TypeError, match=r"events cuts trials out of a continuous recording"):
        to_windows(np.zeros((2, 3000)), sfreq=250.0, n_patches=1, events=events)


def test_epochs_of_an_array_are_processed_together_exactly_as_one_by_one(rng):
    X = rng.normal(size=(5, 3, 3000))
    w = to_windows(X, sfreq=500.0, n_patches=1, l_freq=1.0, notch=50.0)
    for e in range(len(X)):
        np.testing.assert_array_equal(w.X[w.epochs == e],
                                      to_windows(X[e], sfreq=500.0, n_patches=1, l_freq=1.0,
                                                 notch=50.0).X)


def test_nan_omission_drops_only_the_epoch_holding_the_nan(rng):
    X = rng.normal(size=(3, 2, 1500))
    X[1, 0, 10] = np.nan
    with pytest.warns(BPTWarning, match=r"dropped 1 window\(s\) holding NaN"):
        w = to_windows(X, sfreq=250.0, n_patches=1, nan_policy="omit")
    assert w.epochs.tolist() == [0, 2]
