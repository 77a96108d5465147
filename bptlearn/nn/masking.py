"""Masked modelling: which tokens are hidden, and the loss on them (pretraining and the
adaptation in ``BPTEncoder.fit`` share them)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .model import BPTModel

#: Brant's share of the channel x patch tokens hidden in masked modelling
MASK_RATIO = 0.4


def random_mask(shape: tuple[int, int, int], ratio: float,
                generator: torch.Generator | None = None, device: Any = "cpu") -> Tensor:
    """Bool mask (B, C, L) hiding ``round(ratio * C * L)`` tokens (at least 1) per window.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.masking import random_mask
    >>> m = random_mask((2, 5, 4), 0.4, torch.Generator().manual_seed(0))
    >>> m.shape, m.sum(dim=(1, 2)).tolist()
    (torch.Size([2, 5, 4]), [8, 8])
    """
    B, C, L = shape
    n_tokens = C * L
    n_hidden = min(n_tokens, max(1, round(ratio * n_tokens)))
    scores = torch.rand(B, n_tokens, generator=generator)
    hidden = scores.argsort(dim=1)[:, :n_hidden]
    mask = torch.zeros(B, n_tokens, dtype=torch.bool)
    mask.scatter_(1, hidden, True)
    return mask.view(B, C, L).to(device)


def masked_loss(model: BPTModel, x: Tensor, mask: Tensor) -> Tensor:
    """MSE of ``model``'s reconstruction of scaled patches x (B, C, L, P) over the tokens
    hidden by ``mask`` (B, C, L), their samples and band power hidden (the ``mask_power``
    objective).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.masking import masked_loss, random_mask
    >>> model = BPTModel(preset="nano", d_model=16, nhead=2, dim_feedforward=32,
    ...                  n_temporal_layers=1, n_spatial_layers=1).eval()
    >>> x = torch.randn(2, 3, 2, 1500)
    >>> mask = random_mask((2, 3, 2), 0.4, torch.Generator().manual_seed(0))
    >>> with torch.no_grad():
    ...     loss = masked_loss(model, x, mask)
    >>> loss.shape, float(loss) > 0
    (torch.Size([]), True)
    """
    return (model.reconstruct(x, mask, mask_power=True)[mask] - x[mask]).square().mean()
