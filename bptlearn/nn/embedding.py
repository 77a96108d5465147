"""Brant's token embedding: patch projection + band-power mix + position."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .config import BPTConfig
from .spectral import N_BANDS, band_power


class PatchEmbedding(nn.Module):
    """One token per channel and patch.

    ``token = proj(patch) + softmax(band_power(patch)) @ band_encoding + positional_encoding[l]``.
    During pretraining a masked patch's samples are replaced by ``mask_encoding``
    (band power stays visible, as in the official code, unless ``mask_power``).
    Parameter names follow the official ``input_embedding.*`` keys.
    """

    def __init__(self, config: BPTConfig) -> None:
        super().__init__()
        P, d = config.patch_len, config.d_model
        self.band_sfreq = config.band_sfreq
        self.proj = nn.Linear(P, d)
        self.band_encoding = nn.Parameter(torch.randn(N_BANDS, d))
        self.positional_encoding = nn.Parameter(torch.randn(config.n_patches, d))
        # Mask tokens: zeros and frozen unless learnable_mask; counted among the parameters.
        self.mask_encoding = nn.Parameter(torch.zeros(P), requires_grad=config.learnable_mask)
        self.power_mask_encoding = nn.Parameter(torch.zeros(d), requires_grad=config.learnable_mask)

    def forward(self, x: Tensor, mask: Tensor | None = None, mask_power: bool = False,
                power: Tensor | None = None) -> Tensor:
        # x: (B, C, L, P) samples; mask: (B, C, L) bool, True where a patch is hidden;
        # power: (B, C, L, 8) log band power of x when already computed
        L = x.shape[2]
        if power is None:
            power = band_power(x, self.band_sfreq)
        band = torch.softmax(power, dim=-1) @ self.band_encoding
        if mask is not None:
            hidden = mask.unsqueeze(-1)  # (B, C, L, 1)
            x = torch.where(hidden, self.mask_encoding.to(x.dtype), x)
            if mask_power:
                band = torch.where(hidden, self.power_mask_encoding.to(band.dtype), band)
        tokens = self.proj(x)  # (B, C, L, d)
        tokens += band
        tokens += self.positional_encoding[:L]
        return tokens
