"""Property-based shape and value contracts (issue 9, item 2), with hypothesis.

Any channel count 1..64, any number of patches 1..15 and any batch 1..4 give embeddings
of the documented shape; the imputer returns observed samples bit-identical; embeddings
do not depend on the batch size; band power does not depend on how the leading
dimensions are laid out. Examples are derandomised (the same on every run) and few, so
the file runs in well under a minute.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bptlearn import BPTEncoder
from bptlearn.nn import band_power

from ..helpers import FAST

# derandomize: a fixed sequence of examples (seeded randomness, no example database)
FEW = settings(max_examples=12, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])
N_CHANS = st.integers(1, 64)
N_PATCHES = st.integers(1, 15)
BATCH = st.integers(1, 4)
SEEDS = st.integers(0, 2**32 - 1)


def _signal(seed: int, shape: tuple[int, ...], scale: float = 20.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


@pytest.fixture(scope="module")
def model(env):
    return env.model()


@pytest.fixture(scope="module")
def encoders(env):
    """Fitted encoders by (pooling, batch_size). 'global' scaling and pooled readouts
    take any channel count and any number of patches."""
    return {(pooling, batch_size): BPTEncoder(scaling="global", pooling=pooling,
                                              n_components=None, batch_size=batch_size,
                                              **FAST).fit(env.X())
            for pooling in ("mean", "mean+std") for batch_size in (1, 64)}


@FEW
@given(B=BATCH, C=N_CHANS, L=N_PATCHES, layer=st.sampled_from(["temporal", "spatial"]),
       seed=SEEDS)
def test_model_embeds_any_batch_channel_count_and_length(model, B, C, L, layer, seed):
    x = torch.from_numpy(_signal(seed, (B, C, L, 1500), scale=1.0))
    with torch.inference_mode():
        h = model(x, layer=layer)
    assert h.shape == (B, C, L, model.config.d_model)
    assert torch.isfinite(h).all()


@FEW
@given(B=BATCH, C=N_CHANS, L=N_PATCHES, seed=SEEDS)
def test_model_reconstructs_any_batch_channel_count_and_length(model, B, C, L, seed):
    x = torch.from_numpy(_signal(seed, (B, C, L, 1500), scale=1.0))
    mask = torch.from_numpy(np.random.default_rng(seed).random((B, C, L)) < 0.4)
    with torch.inference_mode():
        rec = model.reconstruct(x, mask)
    assert rec.shape == x.shape and torch.isfinite(rec).all()


@settings(FEW, max_examples=8)
@given(n=BATCH, C=N_CHANS, L=N_PATCHES,
       pooling=st.sampled_from(["mean", "mean+std"]), seed=SEEDS)
def test_encoder_transform_gives_one_row_per_window_for_any_shape(encoders, n, C, L,
                                                                  pooling, seed):
    enc = encoders[pooling, 64]
    out = enc.transform(_signal(seed, (n, C, L * 1500)))
    d, n_extra = enc.embedding_dim_, 1 + 8  # log amplitude and 8 band powers
    width = d + n_extra if pooling == "mean" else 2 * (d + n_extra)
    assert out.shape == (n, width) and out.dtype == np.float32
    assert np.isfinite(out).all()


@settings(FEW, max_examples=4)
@given(n=st.integers(1, 8), C=st.integers(1, 4), L=st.integers(1, 2), seed=SEEDS)
@example(n=65, C=2, L=1, seed=0)  # one batch of 64 and one of 1, against 65 of 1
def test_encoder_transform_does_not_depend_on_the_batch_size(encoders, n, C, L, seed):
    X = _signal(seed, (n, C, L * 1500))
    one, many = encoders["mean+std", 1].transform(X), encoders["mean+std", 64].transform(X)
    np.testing.assert_allclose(one, many, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def imputer(env):
    return env.fitted("imputer")


@pytest.mark.filterwarnings("ignore:.*no observed sample:bptlearn.exceptions.BPTWarning")
@FEW
@given(seed=SEEDS, rate=st.floats(0.0, 1.0), gap=st.integers(0, 1500),
       dtype=st.sampled_from([np.float32, np.float64]), use_mask=st.booleans())
def test_imputer_returns_observed_samples_bit_identical(env, imputer, seed, rate, gap, dtype,
                                                        use_mask):
    X = env.X().astype(dtype)
    rng = np.random.default_rng(seed)
    hidden = rng.random(X.shape) < rate * 0.5  # scattered missing samples
    start = int(rng.integers(0, 1500 - gap + 1))
    hidden[int(rng.integers(0, 6)), int(rng.integers(0, 4)), start:start + gap] = True  # a gap
    if use_mask:
        X_in, mask = X.copy(), hidden
    else:
        X_in, mask = np.where(hidden, np.nan, X).astype(dtype), None
    before = X_in.copy()
    out = imputer.transform(X_in, mask=mask)
    assert out.shape == X.shape and out.dtype == X.dtype
    np.testing.assert_array_equal(out[~hidden], X[~hidden])  # bit-identical where observed
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(X_in, before)


@FEW
@given(lead=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       n_times=st.integers(2, 1600), sfreq=st.sampled_from([250.0, 256.0, 1000.0]),
       seed=SEEDS, data=st.data())
def test_band_power_does_not_depend_on_the_layout_of_leading_dims(lead, n_times, sfreq,
                                                                   seed, data):
    x = torch.from_numpy(_signal(seed, (*lead, n_times), scale=5.0))
    power = band_power(x, sfreq)
    assert power.shape == (*lead, 8)
    flat = band_power(x.reshape(-1, n_times), sfreq).reshape(*lead, 8)
    torch.testing.assert_close(power, flat, rtol=1e-6, atol=1e-6)
    perm = data.draw(st.permutations(range(len(lead))))
    moved = band_power(x.permute(*perm, len(lead)), sfreq)  # non-contiguous input
    torch.testing.assert_close(moved, power.permute(*perm, len(lead)), rtol=1e-6, atol=1e-6)
    for i in range(power.shape[0]):
        torch.testing.assert_close(band_power(x[i], sfreq), power[i], rtol=1e-6, atol=1e-6)
