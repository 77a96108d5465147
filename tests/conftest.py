"""Fixtures shared by the whole suite: seeds, and a tiny model config."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from bptlearn.data import make_seeg_windows

# A model small enough for every test to run in milliseconds on 2 CPU cores.
TINY_OVERRIDES = dict(d_model=32, nhead=2, dim_feedforward=64, n_temporal_layers=1,
                      n_spatial_layers=1)


@pytest.fixture(scope="session")
def tiny_overrides() -> dict:
    """BPTConfig overrides for a model of a few thousand parameters."""
    return dict(TINY_OVERRIDES)


@pytest.fixture(autouse=True)
def _seed_everything() -> None:
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - code under test may use the legacy global RNG
    torch.manual_seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def seeg():
    """(X, y, y_tokens, groups): 2 patients x 6 windows of 8 channels x 1 patch, at 250 Hz."""
    X, y, y_tokens, groups = make_seeg_windows(n_patients=2, n_windows=6, n_patches=1,
                                               random_state=0)
    for a in (X, y, y_tokens, groups):
        a.setflags(write=False)  # a test that mutates shared data fails loudly
    return X, y, y_tokens, groups


@pytest.fixture(scope="session")
def seeg_two_patches():
    """Windows of 2 patches (12 s): history of 1 patch, future of 1 patch."""
    X, *_ = make_seeg_windows(n_patients=2, n_windows=5, n_patches=2, random_state=1)
    X.setflags(write=False)
    return X
