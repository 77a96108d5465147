"""Tests of SEEG contact parsing and re-referencing on hand-made shaft names."""

import mne
import numpy as np
import pytest

from bptlearn.data import parse_contact, reference_matrix, rereference, rereference_mne
from bptlearn.exceptions import BPTWarning

NAMES = ["LA1", "LA2", "LA3", "LA4", "LA5", "RHH1", "RHH2", "RHH3"]


@pytest.mark.parametrize(("name", "expected"), [
    ("LA1", ("LA", 1)), ("RHH10", ("RHH", 10)), ("LA'1", ("LA'", 1)), ("LA 1", ("LA", 1)),
    ("A'12", ("A'", 12)), (" B 3 ", ("B", 3)), ("A\u20192", ("A'", 2)),
])
def test_parse_contact_splits_shaft_and_number(name, expected):
    assert parse_contact(name) == expected


def test_parse_contact_rejects_names_without_a_contact_number():
    with pytest.raises(ValueError, match=r"'ECG' is not an SEEG contact name"):
        parse_contact("ECG")


def test_bipolar_pairs_neighbours_and_skips_the_gap_of_a_bad_contact():
    _, names = reference_matrix(NAMES, "bipolar", bads=["LA3"])
    assert names == ["LA1-LA2", "LA4-LA5", "RHH1-RHH2", "RHH2-RHH3"]


def test_bipolar_bridges_a_gap_when_max_gap_allows_it():
    _, names = reference_matrix(NAMES, "bipolar", bads=["LA3"], max_gap=2)
    assert names[:3] == ["LA1-LA2", "LA2-LA4", "LA4-LA5"]


def test_bipolar_skips_contacts_missing_from_the_montage_and_sorts_by_number():
    _, names = reference_matrix(["LA5", "LA1", "LA2", "LA4"], "bipolar")
    assert names == ["LA1-LA2", "LA4-LA5"]


def test_bipolar_never_pairs_across_shafts_or_primes():
    _, names = reference_matrix(["A1", "A'2", "A'3", "B1"], "bipolar")
    assert names == ["A'2-A'3"]


def test_bipolar_values_are_anode_minus_cathode(rng):
    x = rng.normal(size=(8, 50))
    y, names = rereference(x, NAMES, "bipolar", bads=["LA3"])
    np.testing.assert_allclose(y[1], x[3] - x[4])
    assert names[1] == "LA4-LA5"


def test_laplacian_uses_both_neighbours_inside_and_one_at_the_ends(rng):
    x = rng.normal(size=(8, 50))
    y, names = rereference(x, NAMES, "laplacian", bads=["LA3"])
    assert names == ["LA1", "LA2", "LA4", "LA5", "RHH1", "RHH2", "RHH3"]
    np.testing.assert_allclose(y[0], x[0] - x[1])  # LA1: end of shaft
    np.testing.assert_allclose(y[1], x[1] - x[0])  # LA2: LA3 is bad, one neighbour left
    np.testing.assert_allclose(y[5], x[6] - (x[5] + x[7]) / 2)  # RHH2: both neighbours


def test_car_subtracts_the_mean_of_all_good_contacts(rng):
    x = rng.normal(size=(8, 50))
    y, names = rereference(x, NAMES, "car", bads=["LA3"])
    good = [i for i in range(8) if i != 2]
    np.testing.assert_allclose(y, x[good] - x[good].mean(axis=0), atol=1e-12)
    assert "LA3" not in names


def test_shaft_car_subtracts_each_shafts_own_mean(rng):
    x = rng.normal(size=(8, 50))
    y, _ = rereference(x, NAMES, "shaft_car")
    np.testing.assert_allclose(y[:5], x[:5] - x[:5].mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(y[5:], x[5:] - x[5:].mean(axis=0), atol=1e-12)


def test_rereference_handles_windows_keeps_float32_and_leaves_input_alone(rng):
    x = rng.normal(size=(4, 8, 30)).astype(np.float32)
    before = x.copy()
    y, names = rereference(x, NAMES, "bipolar")
    assert y.shape == (4, 6, 30) and y.dtype == np.float32 and len(names) == 6
    np.testing.assert_array_equal(x, before)


def test_non_contact_channels_are_left_out_with_a_warning():
    with pytest.warns(BPTWarning, match=r"not SEEG contact names.*\['ECG'\]"):
        _, names = reference_matrix(["LA1", "LA2", "ECG"], "car")
    assert names == ["LA1", "LA2"]


def test_no_neighbouring_contacts_raise_with_a_fix():
    with pytest.raises(ValueError, match=r"produced no channel.*max_gap, or use method='car'"):
        reference_matrix(["LA1", "LA3", "RHH5"], "bipolar")


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match=r"Invalid value for the 'method' parameter"):
        reference_matrix(NAMES, "average")


def test_data_and_names_must_agree():
    with pytest.raises(ValueError, match=r"data has 2 channels .* but 8 ch_names"):
        rereference(np.zeros((2, 10)), NAMES)


def _raw(rng, bads=()):
    info = mne.create_info(NAMES + ["ECG"], 250.0, ["seeg"] * 8 + ["ecg"])
    raw = mne.io.RawArray(rng.normal(size=(9, 500)) * 1e-5, info, verbose="error")
    raw.info["bads"] = list(bads)
    return raw


def test_rereference_mne_bipolar_matches_the_array_version_and_drops_bads(rng):
    raw = _raw(rng, bads=["LA3"])
    out = rereference_mne(raw, "bipolar")
    expected, names = rereference(raw.get_data()[:8], NAMES, "bipolar", bads=["LA3"])
    assert out.ch_names == names
    np.testing.assert_allclose(out.get_data(), expected, atol=1e-15)
    assert raw.ch_names == NAMES + ["ECG"]  # input untouched


def test_rereference_mne_laplacian_on_epochs_keeps_contact_names(rng):
    raw = _raw(rng)
    epochs = mne.make_fixed_length_epochs(raw, duration=1.0, verbose="error").load_data()
    out = rereference_mne(epochs, "laplacian")
    assert isinstance(out, mne.BaseEpochs) and out.ch_names == NAMES
    expected, _ = rereference(epochs.get_data(picks="seeg"), NAMES, "laplacian")
    np.testing.assert_allclose(out.get_data(), expected, atol=1e-15)
