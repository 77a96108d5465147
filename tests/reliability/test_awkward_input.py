"""Awkward but valid input must work (issue 9, item 1): memory layouts, dtypes, amplitudes.

Non-contiguous, negatively strided and read-only arrays, integer and half-precision
samples must give what the equivalent float32 C-ordered array gives; huge amplitudes
(1e6 µV) and flat channels must give finite output (with a warning where the input is
probably a mistake). The caller's array is never modified.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from bptlearn import BPTEncoder, BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.data import robust_channel_stats, to_windows
from bptlearn.exceptions import BPTWarning
from bptlearn.nn import band_power

from ..helpers import FAST, FAST_NET


def _readonly(X: np.ndarray) -> np.ndarray:
    X = np.array(X)
    X.setflags(write=False)
    return X


# name -> (make the awkward array from X, the float32 array it must behave as)
AWKWARD_INPUTS = {
    "Fortran-ordered": (np.asfortranarray, lambda X: X),
    "strided view": (lambda X: np.repeat(X, 2, axis=-1)[..., ::2], lambda X: X),
    "negative strides": (lambda X: X[..., ::-1].copy()[..., ::-1], lambda X: X),
    "read-only": (_readonly, lambda X: X),
    "float64": (lambda X: X.astype(np.float64), lambda X: X),
    "float16": (lambda X: X.astype(np.float16), lambda X: X.astype(np.float16).astype(np.float32)),
    "int16": (lambda X: X.astype(np.int16), lambda X: X.astype(np.int16).astype(np.float32)),
}
# estimator -> its output method; the imputer fills a fixed gap given as a mask
METHODS = {"encoder": "transform", "classifier": "predict_proba", "forecaster": "predict",
           "imputer": "transform"}
GAP = (slice(0, 3), 1, slice(200, 260))


def _output(est, method: str, X: np.ndarray) -> np.ndarray:
    if isinstance(est, BPTImputer):
        mask = np.zeros(X.shape, bool)
        mask[GAP] = True
        return est.transform(X, mask=mask)
    return getattr(est, method)(X)


def _assert_close(out: np.ndarray, ref: np.ndarray) -> None:
    scale = max(1.0, float(np.abs(ref).max()))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("kind", list(AWKWARD_INPUTS))
@pytest.mark.parametrize("name", list(METHODS))
def test_awkward_arrays_give_the_output_of_their_float32_equivalent(env, name, kind):
    make, equivalent = AWKWARD_INPUTS[kind]
    X = make(env.X())
    before = np.array(X, copy=True)
    est = env.fitted(name)
    out = _output(est, METHODS[name], X)
    ref = _output(est, METHODS[name], np.ascontiguousarray(equivalent(env.X()), np.float32))
    assert out.shape == ref.shape and np.isfinite(out).all()
    _assert_close(out, ref)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("kind", list(AWKWARD_INPUTS))
def test_to_windows_takes_awkward_arrays(env, kind):
    make, equivalent = AWKWARD_INPUTS[kind]
    X = make(env.X(2))
    before = np.array(X, copy=True)
    out = to_windows(X, 250.0, n_patches=1).X
    ref = to_windows(np.ascontiguousarray(equivalent(env.X(2))), 250.0, n_patches=1).X
    _assert_close(out, ref)
    np.testing.assert_array_equal(X, before)


def test_model_and_band_power_take_non_contiguous_tensors(env):
    model = env.model()
    x = torch.randn(3, 2, 4, 1500, generator=torch.Generator().manual_seed(0))
    x_t = x.transpose(0, 2).contiguous().transpose(0, 2)  # same values, other strides
    assert not x_t.is_contiguous()
    with torch.inference_mode():
        torch.testing.assert_close(model(x_t), model(x), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(band_power(x_t, 250.0), band_power(x, 250.0))


def test_read_only_input_with_nan_is_imputed_without_writing_to_it(env):
    X = env.X()
    X[GAP] = np.nan
    X = _readonly(X)
    filled = env.fitted("imputer").transform(X)
    observed = ~np.isnan(X)
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[observed], X[observed])


@pytest.mark.parametrize("name", list(METHODS))
def test_amplitudes_of_a_million_microvolts_give_finite_output(env, name):
    gain = 1e6 / np.abs(env.X()).max()
    X = env.X() * gain
    est, fit_args = {
        "encoder": (BPTEncoder(**FAST), ()),
        "classifier": (BPTSeizureClassifier(**FAST_NET), (env.y(),)),
        "forecaster": (BPTForecaster(horizon=1, **FAST_NET), (env.future() * gain,)),
        "imputer": (BPTImputer(**FAST_NET), ()),
    }[name]
    out = _output(est.fit(X, *fit_args), METHODS[name], X)
    assert np.isfinite(out).all()


def test_encoder_embeddings_do_not_depend_on_the_amplitude_unit(env):
    """Robust channel scaling learnt in fit makes µV and nV (x 1000) input embed alike."""
    X = env.X()
    ref = BPTEncoder(**FAST).fit(X).transform(X)
    big = BPTEncoder(**FAST).fit(X * 1000.0).transform(X * 1000.0)
    np.testing.assert_allclose(big, ref, rtol=1e-4, atol=1e-4)


def test_flat_channel_warns_and_gives_finite_embeddings(env):
    X = env.X()
    X[:, 2] = 7.0  # a disconnected contact: constant
    with pytest.warns(BPTWarning, match="1 channel\\(s\\) are flat"):
        enc = BPTEncoder(**FAST).fit(X)
    assert np.isfinite(enc.transform(X)).all()


def test_all_zero_windows_warn_and_give_finite_predictions(env):
    X = np.zeros((6, 4, 1500), np.float32)
    with pytest.warns(BPTWarning, match="flat"):
        clf = BPTSeizureClassifier(**FAST_NET).fit(X, env.y())
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=1e-6)


def test_robust_channel_stats_of_a_huge_read_only_array_are_finite(env):
    X = _readonly(env.X().astype(np.float64) * 1e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no flat-channel or overflow warning either
        center, scale = robust_channel_stats(X)
    assert np.isfinite(center).all() and (scale > 0).all()
