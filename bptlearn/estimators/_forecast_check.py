"""What a forecaster's learned correction is worth: its weight per future patch, on
held-back windows in ``fit`` and again on the histories ``predict`` extends."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..baselines import shrinkage
from ..baselines._base import evenly_spaced
from ..baselines._select import channel_groups


def patch_weights(target: np.ndarray, correction: np.ndarray, patch_len: int) -> np.ndarray:
    """Weight in [0, 1] of ``correction`` towards ``target`` (both (n, C, h * patch_len))
    in each of the h future patches (:func:`~bptlearn.baselines.shrinkage`, 0 unless
    2 standard errors above 0 across channels of windows)."""
    P = patch_len
    groups = channel_groups(target[..., :P].shape)
    return np.array([shrinkage(target[..., j * P:(j + 1) * P],
                               correction[..., j * P:(j + 1) * P], groups=groups)
                     for j in range(target.shape[-1] // P)])


def backtest_weights(forecaster: Any, signals: Any, max_windows: int = 256) -> np.ndarray:
    """Multiplier in [0, 1] of the fitted correction in each future patch, measured on the
    histories themselves.

    The fitted forecaster forecasts the last ``horizon`` patches of up to ``max_windows``
    evenly spaced histories from the patches before them (scaled again without those
    patches), and :func:`patch_weights` weighs its correction there, as ``fit`` did on
    held-back windows. The histories must be longer than ``horizon`` patches.
    """
    h, P = forecaster.horizon, forecaster.encoder_.config.patch_len
    pipeline, baseline = forecaster.pipeline_, forecaster.readout_.baseline

    def backtest(x: torch.Tensor, center: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        raw = x * scale + center  # (B, C, L, P) in the units of X
        past, c, s = pipeline.scaling(raw[:, :, :-h])  # scaled without the last h patches
        base = baseline(past)  # (B, C, h * P), in the past's scaled units
        out = (pipeline.forward_scaled(past, c, s) - c[..., 0]) / s[..., 0]
        truth = (raw[:, :, -h:].flatten(2) - c[..., 0]) / s[..., 0]
        return torch.stack([out - base, truth - base], dim=1)  # (B, 2, C, h * P)

    rows = evenly_spaced(signals.n_windows, max_windows)
    pairs = forecaster._run(signals.subset(rows), backtest, stats=True).astype(float)
    return patch_weights(pairs[:, 1], pairs[:, 0], P)
