"""Tests of make_neural_mass, make_neural_mass_windows and randomize_recording."""

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt, welch

from bptlearn.data import (
    NATIVE_RATES,
    make_neural_mass,
    make_neural_mass_windows,
    make_seeg,
    randomize_recording,
)
from bptlearn.data._neural_mass import _family, _path

EVENT_KEYS = ["artefact", "hfo", "seizure", "spike"]


@pytest.fixture(scope="module", params=["wendling", "jansen_rit"])
def nm_rec(request):
    """One 8-channel, 90-s recording of each family with one seizure, no randomisation."""
    return make_neural_mass(n_chans=8, duration=90.0, model=request.param, seizure_rate=1.0,
                            seizure_duration=(20.0, 30.0), randomize=False,
                            random_state=1)[0]


def _line_length(x):
    return np.abs(np.diff(x, axis=-1)).mean(axis=-1)


def test_make_neural_mass_shapes_dtypes_ids_and_event_keys():
    recs = make_neural_mass(n_patients=2, n_chans=(3, 5), duration=30.0, sfreq=200.0,
                            seizure_rate=0.0, random_state=0)
    assert [r.data.shape for r in recs] == [(3, 6000), (5, 6000)]
    assert [r.patient_id for r in recs] == ["NM01", "NM02"]
    for r in recs:
        assert r.data.dtype == np.float64 and r.sfreq == 200.0 and np.isfinite(r.data).all()
        assert sorted(r.events) == EVENT_KEYS
        assert all(m.shape == r.data.shape and m.dtype == bool for m in r.events.values())
        assert not r.labels.any() and r.seizures == []


def test_make_neural_mass_same_seed_gives_identical_output():
    kw = dict(n_chans=3, duration=20.0, seizure_rate=0.0, random_state=5)
    a, b = make_neural_mass(**kw)[0], make_neural_mass(**kw)[0]
    np.testing.assert_array_equal(a.data, b.data)
    for key in EVENT_KEYS:
        np.testing.assert_array_equal(a.events[key], b.events[key])


@pytest.mark.parametrize("model", ["wendling", "jansen_rit"])
def test_seizure_parameter_paths_are_ordered_in_time_for_any_duration(model):
    rng = np.random.default_rng(0)
    fam = _family(rng, model)
    for dur in np.linspace(1.0, 60.0, 25):
        for onset_zone in (True, False):
            times, params = _path(fam, rng, 10.0, dur, onset_zone)
            assert np.all(np.diff(times) > 0) and params.shape == (len(times), 3)
            assert times[0] <= 10.0 and times[-1] >= 10.0 + dur


def test_make_neural_mass_seizure_labels_carry_more_power_and_line_length(nm_rec):
    onset, _, starts = nm_rec.seizures[0]
    assert np.array_equal(nm_rec.events["seizure"], nm_rec.labels)
    first = np.flatnonzero(nm_rec.labels.any(axis=0))[0] / nm_rec.sfreq
    assert first == pytest.approx(onset, abs=0.01)
    for ch in starts:
        c = nm_rec.ch_names.index(ch)
        ictal, inter = nm_rec.data[c, nm_rec.labels[c]], nm_rec.data[c, ~nm_rec.labels[c]]
        assert ictal.std() > 1.5 * inter.std()
        assert _line_length(ictal) > 1.5 * _line_length(inter)


def test_make_neural_mass_background_is_tens_of_microvolts_and_neighbours_correlate(nm_rec):
    rms = np.median(np.abs(nm_rec.data), axis=1) * 1.48
    assert np.all((rms > 5.0) & (rms < 300.0))
    quiet = ~(nm_rec.labels | nm_rec.events["artefact"]).any(axis=0)
    corr = np.corrcoef(nm_rec.data[:, quiet])
    assert np.mean(np.diag(corr, 1)) > max(0.2, np.mean(np.diag(corr, 5)))


def test_make_neural_mass_spikes_are_labelled_outside_seizures(nm_rec):
    spikes = nm_rec.events["spike"]
    assert spikes.any() and not (spikes & nm_rec.labels).any()
    c = int(np.argmax(spikes.sum(axis=1)))
    rest = nm_rec.data[c, ~(spikes[c] | nm_rec.labels[c])]
    robust_sd = 1.4826 * np.median(np.abs(rest - np.median(rest)))
    assert np.abs(nm_rec.data[c, spikes[c]] - np.median(rest)).max() > 3 * robust_sd


def test_make_neural_mass_hfos_need_a_rate_of_200_hz():
    fast = make_neural_mass(n_chans=8, duration=60.0, sfreq=1000.0, seizure_rate=0.0,
                            randomize=False, random_state=2)[0]
    slow = make_neural_mass(n_chans=8, duration=60.0, sfreq=100.0, seizure_rate=0.0,
                            randomize=False, random_state=2)[0]
    assert fast.events["hfo"].any() and not slow.events["hfo"].any()
    high = sosfiltfilt(butter(4, 80.0, "highpass", fs=1000.0, output="sos"), fast.data)
    hfo = fast.events["hfo"]
    assert (high[hfo] ** 2).mean() > 3 * (high[~hfo] ** 2).mean()


def test_make_neural_mass_single_channel_and_mixed_model():
    rec = make_neural_mass(n_chans=1, duration=20.0, seizure_rate=0.0, random_state=0)[0]
    assert rec.data.shape == (1, 5000)
    out = randomize_recording(rec, 0, sfreq=None, reference="bipolar", gain=None)
    assert out.data.shape == (1, 5000)  # one contact: bipolar is impossible, stays monopolar


def test_make_neural_mass_rejects_an_unknown_model():
    with pytest.raises(ValueError, match=r"Invalid value for the 'model' parameter.*'mixed'"):
        make_neural_mass(model="wilson_cowan")


def test_randomize_recording_resamples_to_a_native_rate_with_its_events():
    rec = make_seeg(n_patients=1, n_chans=4, duration=60.0, random_state=0)[0]
    out = randomize_recording(rec, 3, sfreq=1000.0, reference="monopolar", gain=None)
    assert out.sfreq == 1000.0 and out.data.shape == (4, 60000)
    assert sorted(out.events) == EVENT_KEYS
    assert out.labels.sum() == pytest.approx(4 * rec.labels.sum(), rel=0.01)
    rates = {randomize_recording(rec, s, reference="monopolar").sfreq for s in range(8)}
    assert rates <= set(NATIVE_RATES) and len(rates) > 2
    back = out.resample(250.0)
    assert back.data.shape == rec.data.shape and back.sfreq == 250.0
    np.testing.assert_array_equal(back.labels, rec.labels)
    np.testing.assert_array_equal(back.events["spike"], rec.events["spike"])


@pytest.mark.parametrize("line_freq", [50.0, 60.0])
def test_randomize_recording_adds_line_noise_at_the_chosen_frequency(line_freq):
    rec = make_seeg(n_patients=1, n_chans=3, duration=30.0, n_seizures=0, random_state=0)[0]
    out = randomize_recording(rec, 1, sfreq=None, reference="monopolar", line_freq=line_freq,
                              gain=None)
    freqs, psd = welch(out.data, fs=out.sfreq, nperseg=1000)
    at = psd[:, np.argmin(np.abs(freqs - line_freq))]
    other = psd[:, np.argmin(np.abs(freqs - (110.0 - line_freq)))]  # 60 for 50 and back
    assert np.all(at > 10 * other)


def test_randomize_recording_bipolar_ors_the_events_of_both_contacts():
    rec = make_seeg(n_patients=1, n_chans=8, duration=60.0, random_state=4)[0]
    out = randomize_recording(rec, 0, sfreq=None, reference="bipolar", gain=None)
    assert out.ch_names[0] == f"{rec.ch_names[0]}-{rec.ch_names[1]}"
    assert out.data.shape == (7, rec.n_times)
    np.testing.assert_array_equal(out.labels[0], rec.labels[0] | rec.labels[1])
    np.testing.assert_array_equal(out.events["spike"][3], rec.events["spike"][3]
                                  | rec.events["spike"][4])


def test_randomize_recording_gain_scales_everything_and_random_gain_spans_orders():
    rec = make_seeg(n_patients=1, n_chans=2, duration=30.0, n_seizures=0, random_state=0)[0]
    kw = dict(sfreq=None, reference="monopolar", line_freq=None)
    one = randomize_recording(rec, 7, gain=None, **kw)
    big = randomize_recording(rec, 7, gain=1000.0, **kw)
    np.testing.assert_allclose(big.data, 1000.0 * one.data)
    scales = [np.log10(randomize_recording(rec, s, **kw).data.std() / one.data.std())
              for s in range(12)]
    assert min(scales) < 1.0 and max(scales) > 2.5


def test_randomize_recording_rejects_an_unknown_reference():
    rec = make_seeg(n_patients=1, n_chans=2, duration=30.0, n_seizures=0, random_state=0)[0]
    with pytest.raises(ValueError, match=r"'reference' parameter.*'bipolar'.*got 'car'"):
        randomize_recording(rec, reference="car")


def test_make_neural_mass_windows_mirrors_make_seeg_windows():
    X, y, y_tokens, groups = make_neural_mass_windows(
        n_patients=2, n_chans=4, n_windows=10, n_patches=1, seizure_fraction=0.3,
        random_state=0)
    assert X.shape == (20, 4, 1500) and X.dtype == np.float32
    assert y.dtype == np.int64 and y_tokens.shape == (20, 4, 1) and y_tokens.dtype == np.int64
    np.testing.assert_array_equal(y, y_tokens.any(axis=(1, 2)))
    assert sorted(set(groups)) == ["NM01", "NM02"] and groups.dtype == object
    assert [int(y[groups == g].sum()) for g in ("NM01", "NM02")] == [3, 3]
    ll = _line_length(X).max(axis=1)
    assert np.median(ll[y == 1]) > np.median(ll[y == 0])


def test_make_neural_mass_windows_rejects_windows_too_short_for_a_seizure():
    with pytest.raises(ValueError, match=r"make_neural_mass_windows needs at least 4 s"):
        make_neural_mass_windows(n_patches=1, patch_len=500)
