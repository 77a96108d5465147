"""Tests of IEEGReference, the re-referencing transformer."""

import mne
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from bptlearn.estimators._reference import IEEGReference
from bptlearn.exceptions import ChannelMismatchError

NAMES = ["LA1", "LA2", "LA3", "LA4", "LA5", "RHH1", "RHH2"]


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(3, 7, 40))


def _raw(bads=()):
    rng = np.random.default_rng(1)
    info = mne.create_info(NAMES + ["ECG"], 250.0, ["seeg"] * 7 + ["ecg"])
    raw = mne.io.RawArray(rng.normal(size=(8, 500)) * 1e-5, info, verbose="error")
    raw.info["bads"] = list(bads)
    return raw


def test_bipolar_on_windows_skips_the_bad_contacts_gap(X):
    ref = IEEGReference("bipolar", ch_names=NAMES, bads=["LA3"])
    out = ref.fit_transform(X)
    assert ref.ch_names_out_ == ["LA1-LA2", "LA4-LA5", "RHH1-RHH2"]
    assert ref.ch_names_in_ == NAMES and ref.n_chans_in_ == 7 and ref.bads_ == ["LA3"]
    assert out.shape == (3, 3, 40)
    np.testing.assert_allclose(out[:, 1], X[:, 3] - X[:, 4])


def test_fit_returns_self_and_init_only_stores():
    ref = IEEGReference("laplacian", ch_names=NAMES, max_gap=2)
    assert ref.get_params() == {"method": "laplacian", "ch_names": NAMES, "bads": None,
                                "max_gap": 2}
    assert ref.fit(np.zeros((1, 7, 5))) is ref
    assert not hasattr(clone(ref), "weights_")


@pytest.mark.parametrize("method", ["laplacian", "car", "shaft_car"])
def test_other_methods_keep_the_good_contact_names(X, method):
    ref = IEEGReference(method, ch_names=NAMES, bads=["LA3"]).fit(X)
    assert ref.ch_names_out_ == [n for n in NAMES if n != "LA3"]
    assert ref.transform(X).shape == (3, 6, 40)


def test_raw_in_raw_out_using_info_bads():
    raw = _raw(bads=["LA3"])
    out = IEEGReference("bipolar").fit_transform(raw)
    assert isinstance(out, mne.io.BaseRaw)
    assert out.ch_names == ["LA1-LA2", "LA4-LA5", "RHH1-RHH2"]
    data = raw.get_data()
    np.testing.assert_allclose(out.get_data()[2], data[5] - data[6], atol=1e-15)
    assert raw.ch_names == NAMES + ["ECG"] and raw.info["bads"] == ["LA3"]


def test_epochs_in_epochs_out_with_the_car():
    epochs = mne.make_fixed_length_epochs(_raw(), duration=1.0, verbose="error").load_data()
    out = IEEGReference("car").fit_transform(epochs)
    assert isinstance(out, mne.BaseEpochs) and out.ch_names == NAMES
    data = epochs.get_data(picks="seeg")
    np.testing.assert_allclose(out.get_data(), data - data.mean(axis=1, keepdims=True),
                               atol=1e-15)


def test_transform_rejects_arrays_with_other_channel_counts(X):
    ref = IEEGReference(ch_names=NAMES).fit(X)
    with pytest.raises(ChannelMismatchError, match=r"fitted on 7 channels \(see ch_names_in_\)"):
        ref.transform(X[:, :5])


def test_transform_rejects_mne_input_missing_fitted_channels():
    ref = IEEGReference().fit(_raw())
    with pytest.raises(ChannelMismatchError, match=r"lacks 1 channel\(s\) seen in fit: \['RHH2'\]"):
        ref.transform(_raw().drop_channels(["RHH2"]))


def test_arrays_need_ch_names(X):
    with pytest.raises(ValueError, match=r"cannot tell which contact each row is. Pass ch_names"):
        IEEGReference().fit(X)


def test_an_unknown_method_is_rejected_in_fit(X):
    with pytest.raises(ValueError, match=r"The 'method' parameter of IEEGReference must be"):
        IEEGReference("average", ch_names=NAMES).fit(X)


def test_transform_before_fit_raises_not_fitted(X):
    with pytest.raises(NotFittedError):
        IEEGReference(ch_names=NAMES).transform(X)


def test_transform_leaves_the_input_unchanged_and_keeps_float32(X):
    X32 = X.astype(np.float32)
    before = X32.copy()
    out = IEEGReference("shaft_car", ch_names=NAMES).fit_transform(X32)
    np.testing.assert_array_equal(X32, before)
    assert out.dtype == np.float32
