"""GPU out-of-memory during inference backs off to smaller batches (issue 9, item 5).

The encoder's own test lives in ``tests/estimators/test_encoder.py``; here the task
estimators' inference paths are covered: ``predict_proba`` (classifier), ``predict``
(forecaster, whose outputs are mapped back to signal units per window) and ``transform``
(imputer, batched by ``_map_array``). The OOM is faked by making the inference module's
encoder's ``forward`` refuse batches above a size, so the test runs on any machine.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
import torch

from bptlearn import BPTForecaster
from bptlearn.exceptions import BPTWarning

from ..helpers import FAST_NET, shared_rhythms

# estimator -> how to get its outputs from the windows X
OUTPUTS = {
    "classifier": lambda est, X: est.predict_proba(X),
    "forecaster": lambda est, X: est.predict(X),
    "imputer": lambda est, X: est.transform(X, mask=_gap(X)),
}


def _gap(X: np.ndarray) -> np.ndarray:
    mask = np.zeros(X.shape, bool)
    mask[:, 1, 300:420] = True
    return mask


def _fake_oom(monkeypatch, est, max_batch: int) -> list[int]:
    """Make the encoder raise torch.OutOfMemoryError on batches > max_batch.

    Returns the list of batch sizes the encoder was called with.
    """
    module = est.pipeline_.model  # every estimator runs its pipeline_
    real = module.forward
    sizes: list[int] = []

    def forward(x, *args, **kwargs):
        sizes.append(len(x))
        if len(x) > max_batch:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (fake)")
        return real(x, *args, **kwargs)

    monkeypatch.setattr(module, "forward", forward)
    return sizes


@pytest.fixture(scope="module")
def rhythm_forecaster():
    """A forecaster whose predict runs its network on these windows (on the suite's 6
    simulated windows an AR fitted on each history is forecast alone, without it)."""
    X = shared_rhythms(n_windows=12, n_chans=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = BPTForecaster(horizon=1, **FAST_NET).fit(X[:, :, :1500], X[:, :, 1500:])
    assert fc.baseline_name_ == "AR (BIC order)"
    return X[:6, :, :1500], fc


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_out_of_memory_in_predict_halves_the_batch_with_a_warning(env, monkeypatch, name,
                                                                  rhythm_forecaster):
    est, X = env.fitted(name), env.X()
    if name == "forecaster":
        X, est = rhythm_forecaster[0], copy.deepcopy(rhythm_forecaster[1])
    est = est.set_params(batch_size=6)
    expected = OUTPUTS[name](est, X)
    sizes = _fake_oom(monkeypatch, est, max_batch=2)
    with pytest.warns(BPTWarning, match="Out of GPU memory") as record:
        out = OUTPUTS[name](est, X)
    assert sizes == [6, 3, 2, 1, 3, 2, 1]  # 6 -> 3 + 3 -> (2 + 1) + (2 + 1)
    assert [str(w.message).split(" (")[0] for w in record] == [
        "Out of GPU memory with a batch of 6 windows; retrying in batches of 3",
        "Out of GPU memory with a batch of 3 windows; retrying in batches of 2",
        "Out of GPU memory with a batch of 3 windows; retrying in batches of 2"]
    assert out.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6 * scale)


def test_out_of_memory_on_a_single_window_is_raised(env, monkeypatch):
    est = env.fitted("classifier").set_params(batch_size=4)
    _fake_oom(monkeypatch, est, max_batch=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BPTWarning)
        with pytest.raises(torch.OutOfMemoryError, match="fake"):
            est.predict(env.X()[:3])


def test_back_off_keeps_each_window_with_its_own_scaling(env, monkeypatch):
    """Forecasts come back in signal units window by window: after a split, every window
    must still be unscaled with its own statistics (scaling='window' differs per window)."""
    X = env.X() * np.arange(1, 7, dtype=np.float32)[:, None, None]  # windows differ in scale
    est = BPTForecaster(horizon=1, scaling="window", batch_size=6, **FAST_NET).fit(
        X, env.future())
    expected = est.predict(X)
    _fake_oom(monkeypatch, est, max_batch=1)
    with pytest.warns(BPTWarning, match="Out of GPU memory") as record:
        out = est.predict(X)
    assert len(record) == 5  # 6 -> 3 + 3, each 3 -> 2 + 1, each 2 -> 1 + 1
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())
