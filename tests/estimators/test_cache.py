"""BPTEncoder(memory=...): embeddings cached on disk, keyed on data, weights and scaling."""

from __future__ import annotations

import joblib
import numpy as np
import pytest

from bptlearn import BPTEncoder
from bptlearn.estimators import _encoder


def encoder(**params) -> BPTEncoder:
    """An encoder whose fit learns no compression: only transform goes through the cache."""
    return BPTEncoder(n_components=None, **params)


@pytest.fixture
def runs(monkeypatch):
    """The windows embedded by each encoder pass (``_run`` call) of BPTEncoder.transform."""
    calls = []
    original = _encoder.BPTEncoder._run

    def counting(self, signals, *args, **kwargs):
        calls.append(signals.n_windows)
        return original(self, signals, *args, **kwargs)

    monkeypatch.setattr(_encoder.BPTEncoder, "_run", counting)
    return calls


def test_memory_serves_the_second_transform_from_disk_with_equal_output(seeg, tmp_path, runs):
    X = seeg[0]
    enc = encoder(memory=str(tmp_path)).fit(X)
    first = enc.transform(X)
    second = enc.transform(X)
    assert len(runs) == 1
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, encoder().fit(X).transform(X))


def test_memory_hits_across_clones_refit_on_the_same_windows(seeg, tmp_path, runs):
    X = seeg[0]
    memory = joblib.Memory(tmp_path, verbose=0)
    encoder(memory=memory).fit(X).transform(X)
    encoder(memory=memory).fit(X).transform(X)
    assert len(runs) == 1


def test_memory_misses_when_the_channel_scaling_was_learnt_on_other_windows(seeg, tmp_path,
                                                                               runs):
    X = seeg[0]
    encoder(memory=str(tmp_path)).fit(X).transform(X)
    encoder(memory=str(tmp_path)).fit(X[:6]).transform(X)  # other center_ / scale_
    assert len(runs) == 2


def test_memory_hits_after_a_refit_on_other_windows_with_window_scaling(seeg, tmp_path, runs):
    X = seeg[0]
    encoder(scaling="window", memory=str(tmp_path)).fit(X).transform(X)
    encoder(scaling="window", memory=str(tmp_path)).fit(X[:6]).transform(X)
    assert len(runs) == 1


@pytest.mark.parametrize("change", [dict(pooling="mean+std"), dict(weights=None),
                                    dict(extra_features=())])
def test_memory_misses_when_readout_or_weights_change(seeg, tmp_path, runs, change):
    X = seeg[0]
    encoder(memory=str(tmp_path)).fit(X).transform(X)
    encoder(memory=str(tmp_path), random_state=0, **change).fit(X).transform(X)
    assert len(runs) == 2


def test_memory_embeds_only_the_windows_it_has_not_seen(seeg, tmp_path, runs):
    X = seeg[0]
    enc = encoder(scaling="window", memory=str(tmp_path)).fit(X)
    part = enc.transform(X[[1, 3, 5]])
    changed = X.copy()
    changed[0, 0, 0] += 1.0
    full = enc.transform(changed)
    assert runs == [3, len(X) - 3]  # the second pass skips windows 1, 3, 5
    np.testing.assert_array_equal(full[[1, 3, 5]], part)
    np.testing.assert_allclose(full, encoder(scaling="window").fit(X).transform(changed),
                               rtol=1e-5, atol=1e-6)


def test_memory_rejects_an_object_without_cache(seeg):
    with pytest.raises(ValueError, match="'memory' parameter of BPTEncoder"):
        encoder(memory=3).fit(seeg[0])
