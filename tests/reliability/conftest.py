"""Shared data and fitted estimators for the reliability suite.

Random-init ``nano`` estimators (``weights=None``): no checkpoint is needed and the whole
suite stays fast. Every accessor hands out a fresh copy, so a case that wrongly mutates
what it was given cannot spoil the next one.
"""

from __future__ import annotations

import copy
import warnings

import mne
import numpy as np
import pytest

from bptlearn import BPTEncoder, BPTForecaster, BPTImputer, BPTSeizureClassifier
from bptlearn.data import make_seeg_windows
from bptlearn.nn import BPTModel

from ..conftest import TINY_OVERRIDES
from ..helpers import FAST, FAST_NET


class Env:
    """6 windows (2 patients x 3) of 4 channels; 1-patch windows unless said otherwise."""

    def __init__(self) -> None:
        X2, y, y_tokens, groups = make_seeg_windows(n_patients=2, n_chans=4, n_windows=3,
                                                    n_patches=2, random_state=0)
        self._X2, self._y, self._groups = X2, y, groups
        self._y_tokens = y_tokens[..., :1]
        X1 = X2[..., :1500]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._fitted = {
                "encoder": BPTEncoder(**FAST).fit(X1),
                "classifier": BPTSeizureClassifier(**FAST_NET).fit(X1, y),
                "forecaster": BPTForecaster(horizon=1, **FAST_NET).fit(X1, X2[..., 1500:]),
                "imputer": BPTImputer(**FAST_NET).fit(X1),
            }

    def X(self, n_patches: int = 1) -> np.ndarray:
        """Writable float32 windows (6, 4, n_patches * 1500), n_patches <= 2."""
        return np.array(self._X2[..., :1500 * n_patches])

    def y(self) -> np.ndarray:
        return np.array(self._y)

    def y_tokens(self) -> np.ndarray:
        return np.array(self._y_tokens)

    def groups(self) -> np.ndarray:
        return np.array(self._groups)

    def future(self) -> np.ndarray:
        """What follows each 1-patch window: (6, 4, 1500)."""
        return np.array(self._X2[..., 1500:])

    def epochs(self, ch_names: list[str] | None = None) -> mne.EpochsArray:
        names = ch_names or [f"LA{i + 1}" for i in range(4)]
        info = mne.create_info(names, 250.0, "seeg")
        return mne.EpochsArray(self.X() * 1e-6, info, verbose=False)

    def fitted(self, name: str):
        """A private copy of a fitted estimator: 'encoder', 'classifier', 'forecaster' or
        'imputer'."""
        return copy.deepcopy(self._fitted[name])

    @staticmethod
    def model() -> BPTModel:
        """A tiny random-init model in eval mode."""
        return BPTModel(preset="nano", **TINY_OVERRIDES).eval()


@pytest.fixture(scope="session")
def env() -> Env:
    return Env()
