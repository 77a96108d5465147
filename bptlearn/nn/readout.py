"""Readouts: pool (B, C, L, d) tokens to one row per window, and cheap spectral extras."""

from __future__ import annotations

import torch
from torch import Tensor

from ..utils._check import _check_option
from .spectral import band_power

POOLINGS = ("mean", "mean+std", "channel", "token")
EXTRA_FEATURES = ("log_amplitude", "band_power")


def pool(h: Tensor, pooling: str) -> Tensor:
    """Pool tokens (B, C, L, k) to rows (B, F).

    ``'mean'``: mean over channels and patches, F = k. ``'mean+std'``: mean then standard
    deviation over channels and patches, F = 2k. ``'channel'``: each channel's mean over
    patches, channel-major, F = C*k. ``'token'``: every token, (channel, patch, feature)
    order, F = C*L*k.
    """
    _check_option("pooling", pooling, POOLINGS)
    if pooling == "mean":
        return h.mean(dim=(1, 2))
    if pooling == "mean+std":
        std, mean = torch.std_mean(h, dim=(1, 2), correction=0)
        return torch.cat([mean, std], dim=-1)
    if pooling == "channel":
        return h.mean(dim=2).flatten(1)
    return h.flatten(1)


def token_extras(x: Tensor, names: tuple[str, ...], band_sfreq: float) -> Tensor:
    """Per-token extra features (B, C, L, k) of patches x (B, C, L, P).

    ``'log_amplitude'``: natural log of the patch's standard deviation (1 feature);
    ``'band_power'``: Brant's 8 log band powers (the numbers its embedding mixes).
    """
    parts = []
    for name in names:
        _check_option("extra_features", name, EXTRA_FEATURES)
        if name == "log_amplitude":
            parts.append(torch.log(x.std(dim=-1, keepdim=True) + 1e-6))
        else:
            parts.append(band_power(x, band_sfreq))
    return torch.cat(parts, dim=-1)
