"""Which tokens masked modelling hides: shared by pretraining and by adaptation in ``fit``."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


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
