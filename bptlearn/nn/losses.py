"""Training criteria of the task heads (each a module, so skorch can build it)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class ClassLastCrossEntropy(nn.Module):
    """Cross-entropy for logits (..., K) against integer labels (...), any leading shape."""

    def __init__(self, weight: Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("weight", weight)

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1).long(),
                               weight=self.weight)


class FreqPhaseLoss(nn.Module):
    """MSE of the dominant frequency (in units of ``freq_scale`` Hz) plus MSE of (cos, sin) phase.

    Targets are (B, C, 1 + T): the frequency in Hz, then the phase in radians per sample.
    """

    def __init__(self, freq_scale: float = 10.0) -> None:
        super().__init__()
        self.freq_scale = freq_scale

    def forward(self, pred: tuple[Tensor, Tensor], target: Tensor) -> Tensor:
        freq, pair = pred  # (B, C), (B, C, 2, T)
        phase = target[..., 1:]
        pair_true = torch.stack([torch.cos(phase), torch.sin(phase)], dim=-2)
        return F.mse_loss(freq, target[..., 0] / self.freq_scale) + F.mse_loss(pair, pair_true)


class MaskedMSELoss(nn.Module):
    """Weighted MSE over the hidden samples only.

    Targets are (B, C, L, 2P): samples, then a weight per sample, 0 where it was observed
    (1 everywhere hidden gives the plain MSE of the hidden samples). Weights let every
    pattern of missing samples count alike when their errors differ in size (a whole
    missing channel is far harder than scattered samples).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.losses import MaskedMSELoss
    >>> pred, clean = torch.zeros(1, 1, 1, 3), torch.tensor([[[[1.0, 2.0, 3.0]]]])
    >>> weight = torch.tensor([[[[0.0, 1.0, 3.0]]]])  # sample 0 observed
    >>> MaskedMSELoss()(pred, torch.cat([clean, weight], dim=-1))  # (1 * 4 + 3 * 9) / 2
    tensor(15.5000)
    """

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        P = pred.shape[-1]
        clean, weight = target[..., :P], target[..., P:]
        hidden = weight > 0
        return (weight[hidden] * (pred[hidden] - clean[hidden]) ** 2).mean()
