"""Input that used to pass silently (issue 15, items 6, 9, 10, 12, 13, 14).

A truncated EDF, a rate below the weights' contract, labels that are not classes, a
single huge sample, damaged manifests and impossible parameters: each gets a warning or
an error that names the file or the argument and the fix, never a quiet wrong answer.
"""

from __future__ import annotations

import warnings

import mne
import numpy as np
import pytest

from bptlearn import BPTEncoder, BPTSeizureClassifier
from bptlearn.data import (
    annotations_to_labels,
    iter_windows,
    read_manifest,
    read_recording,
    to_windows,
)
from bptlearn.estimators._reference import IEEGReference
from bptlearn.exceptions import BPTWarning, InputContractWarning
from bptlearn.nn import BPTModel
from bptlearn.weights import save

from ..conftest import TINY_OVERRIDES
from ..helpers import FAST, FAST_NET

NAMES = ["LA1", "LA2", "LA3", "LA4"]


# ----------------------------------------------------------------------------- item 6
@pytest.fixture(scope="module")
def half_edf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edf")
    info = mne.create_info(NAMES[:2], 250.0, "seeg")
    data = np.random.default_rng(0).normal(size=(2, 250 * 60)) * 1e-5
    mne.export.export_raw(folder / "full.edf", mne.io.RawArray(data, info, verbose="error"),
                          fmt="edf", verbose="error")
    full = (folder / "full.edf").read_bytes()
    (folder / "half.edf").write_bytes(full[:len(full) // 2])
    return folder / "half.edf"


def test_a_truncated_edf_warns_naming_the_file(half_edf):
    with pytest.warns(BPTWarning, match=r"'half\.edf' is truncated.*strict=True"):
        raw = read_recording(half_edf)
    assert raw.times[-1] < 40  # half of the 60 s


def test_a_truncated_edf_is_refused_under_strict(half_edf):
    with pytest.raises(ValueError, match=r"'half\.edf' is truncated.*Copy the file again"):
        read_recording(half_edf, strict=True)


def test_streaming_a_truncated_edf_warns_too(half_edf):
    with pytest.warns(BPTWarning, match=r"half\.edf"):
        next(iter(iter_windows(half_edf, n_patches=1, picks="eeg")))


# ----------------------------------------------------------------------------- item 9
def test_input_below_the_contract_rate_is_flagged(env, tmp_path):
    path = save(BPTModel(preset="nano", sfreq=500.0, **TINY_OVERRIDES),
                tmp_path / "m500.safetensors")
    X = env.X()  # declared at 250 Hz below
    with pytest.warns(InputContractWarning, match=r"250\.0 Hz.*pretrained on 500\.0 Hz"):
        BPTEncoder(weights=path, sfreq=250.0, device="cpu").fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputContractWarning)  # at the contract rate: silent
        BPTEncoder(weights=path, sfreq=500.0, device="cpu").fit(np.repeat(X, 2, axis=-1))


# ----------------------------------------------------------------------------- item 10
@pytest.mark.parametrize("y, match", [
    (np.linspace(0.1, 0.9, 6), r"y.*continuous.*class labels"),
    (np.array([0.0, 1.0, np.inf, 0.0, 1.0, 0.0]), r"y.*(infinit|continuous).*class labels"),
    (np.array([0, 1, None, 0, 1, 0], dtype=object), r"y.*(unknown|None).*class labels"),
    (np.array([0, 1, np.nan, 0, 1, 0], dtype=object), r"y.*(NaN|unknown).*class"),
])
def test_labels_that_are_not_classes_are_refused(env, y, match):
    with pytest.raises(ValueError, match=match):
        BPTSeizureClassifier(**FAST_NET).fit(env.X(), y)


def test_class_weight_keys_that_are_not_classes_are_refused(env):
    clf = BPTSeizureClassifier(class_weight={0: 1.0, 2: 5.0}, **FAST_NET)
    with pytest.raises(ValueError, match=r"class_weight.*\[2\].*not classes.*are \[0, 1\]"):
        clf.fit(env.X(), env.y())


# ----------------------------------------------------------------------------- item 12
@pytest.mark.parametrize("scaling", ["channel", "window", None])
def test_one_huge_finite_sample_gives_finite_output(env, scaling):
    X = env.X()
    X[2, 1, 700] = 1e25
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputContractWarning)
        enc = BPTEncoder(scaling=scaling, **FAST).fit(env.X())
        clf = BPTSeizureClassifier(scaling=scaling, **FAST_NET).fit(env.X(), env.y())
    assert np.isfinite(enc.transform(X)).all()
    assert np.isfinite(clf.predict_proba(X)).all()
    np.testing.assert_allclose(clf.predict_proba(X)[[0, 1, 3, 4, 5]],
                               clf.predict_proba(env.X())[[0, 1, 3, 4, 5]], atol=1e-6)


# ----------------------------------------------------------------------------- item 13
def test_iter_windows_on_a_truncated_npy_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "trunc.npy"
    np.save(path, np.zeros((4, 15000), np.float32))
    path.write_bytes(path.read_bytes()[:-64])
    with pytest.raises(ValueError, match=r"'trunc\.npy' is truncated.*Copy the file again"):
        list(iter_windows(path, sfreq=250.0, n_patches=1))


def test_a_manifest_with_a_bad_sfreq_names_the_file_line_and_fix(tmp_path):
    manifest = tmp_path / "recordings.csv"
    manifest.write_text("path,sfreq\na.npy,250\nb.npy,abc\n")
    with pytest.raises(ValueError, match=r"recordings\.csv.*line 3: sfreq 'abc'.*in Hz"):
        read_manifest(manifest)


def test_an_impossible_batch_size_set_after_fit_is_named(env):
    enc = BPTEncoder(**FAST).fit(env.X())
    enc.set_params(batch_size=0)
    with pytest.raises(ValueError, match=r"'batch_size' parameter of BPTEncoder.*Got 0"):
        enc.transform(env.X())


# ----------------------------------------------------------------------------- item 14
@pytest.mark.parametrize("dtype", [np.complex64, np.str_])
def test_the_reference_refuses_complex_and_string_arrays(env, dtype):
    X = env.X().astype(dtype)
    with pytest.raises(TypeError, match=rf"X must hold real numbers.*{np.dtype(dtype).kind}"):
        IEEGReference(ch_names=NAMES).fit(X)
    ref = IEEGReference(ch_names=NAMES).fit(env.X())
    with pytest.raises(TypeError, match=r"X must hold real numbers"):
        ref.transform(X)


def test_a_zero_length_event_warning_does_not_ask_to_lower_min_overlap_of_zero():
    rec = np.random.default_rng(0).normal(size=(2, 250 * 24))
    windows = to_windows(rec, 250.0, n_patches=1)
    ann = mne.Annotations([7.0], [0.0], ["seizure"])
    with pytest.warns(BPTWarning, match=r"zero duration") as record:
        y, _ = annotations_to_labels(ann, windows, min_overlap=0.0)
    assert not y.any()
    assert "Lower min_overlap" not in str(record[0].message)
