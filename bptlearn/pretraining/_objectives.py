"""Masked-reconstruction objectives: which tokens are hidden, what is predicted, what is scored.

Brant's objective (Zhang et al., 2023) hides 40 % of the channel x patch tokens (their
samples are replaced by the mask token; band power stays visible) and scores the MSE of
the reconstruction over *every* token. That makes most of the loss an identity map of
visible patches, which can leave frozen embeddings with little structure. The variants
here change one thing at a time:

============  ========================  ===================  ==============================
name          loss over                 band power of        extra target
                                        masked tokens
============  ========================  ===================  ==============================
official      all tokens                visible              none
masked        masked tokens             visible              none
mask_power    masked tokens             hidden               none
spectral      masked tokens             hidden               8 log band powers and the log
                                                             amplitude of each masked patch
============  ========================  ===================  ==============================

The spectral target is predicted by a small head owned by pretraining
(:class:`SpectralHead`), not part of :class:`~bptlearn.nn.BPTModel`. ``spectral`` is the
default of :func:`~bptlearn.pretraining.pretrain`: on held-out simulated patients its
frozen embeddings gave the best linear probe of the four, while ``official`` was no better
than random initialisation on the model's output (``benchmarks/pretrain_objectives.py``;
the table is in ``doc/model_card.rst``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

from ..nn.model import BPTModel
from ..nn.spectral import N_BANDS, band_power
from ..utils._check import _check_option

_LOG_AMP_FLOOR = 1e-3  # keeps log(std) finite on flat (zero) patches


@dataclass(frozen=True)
class Objective:
    """One masked-reconstruction objective.

    Parameters
    ----------
    name : str
        Label used in logs and checkpoints.
    mask_ratio : float, default=0.4
        Fraction of channel x patch tokens hidden in each window (rounded, at least one).
    loss_on : {'all', 'masked'}, default='all'
        Tokens whose reconstruction is scored.
    mask_power : bool, default=False
        Also hide the band power of masked tokens (the official code leaves it visible).
    spectral_weight : float, default=0.0
        Weight of the spectral target (0 turns it off).

    Examples
    --------
    >>> from bptlearn.pretraining import OBJECTIVES
    >>> OBJECTIVES["official"].loss_on, OBJECTIVES["spectral"].mask_power
    ('all', True)
    """

    name: str = "official"
    mask_ratio: float = 0.4
    loss_on: str = "all"
    mask_power: bool = False
    spectral_weight: float = 0.0

    def __post_init__(self) -> None:
        _check_option("loss_on", self.loss_on, ("all", "masked"))
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must lie in (0, 1), got {self.mask_ratio!r}.")
        if self.spectral_weight < 0:
            raise ValueError(f"spectral_weight must be >= 0, got {self.spectral_weight!r}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the fields."""
        return asdict(self)


OBJECTIVES: dict[str, Objective] = {
    "official": Objective("official", loss_on="all"),
    "masked": Objective("masked", loss_on="masked"),
    "mask_power": Objective("mask_power", loss_on="masked", mask_power=True),
    "spectral": Objective("spectral", loss_on="masked", mask_power=True, spectral_weight=1.0),
}


def get_objective(objective: str | Objective | dict[str, Any]) -> Objective:
    """An :class:`Objective` from a name of :data:`OBJECTIVES`, a dict of fields, or itself.

    Examples
    --------
    >>> from bptlearn.pretraining import get_objective
    >>> get_objective("masked").loss_on
    'masked'
    >>> get_objective({"name": "mine", "mask_ratio": 0.5, "loss_on": "masked"}).mask_ratio
    0.5
    """
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, dict):
        return Objective(**objective)
    return OBJECTIVES[_check_option("objective", objective, OBJECTIVES)]


def random_mask(shape: tuple[int, int, int], ratio: float,
                generator: torch.Generator | None = None, device: Any = "cpu") -> Tensor:
    """Bool mask (B, C, L) hiding ``round(ratio * C * L)`` tokens (at least 1) per window.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.pretraining import random_mask
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


def spectral_target(x: Tensor, band_sfreq: float) -> Tensor:
    """(…, 9) targets of a patch: its 8 log band powers, then ``log(std + 1e-3)``.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.pretraining import spectral_target
    >>> x = torch.randn(2, 3, 4, 1500, generator=torch.Generator().manual_seed(0))
    >>> target = spectral_target(x, band_sfreq=250.0)
    >>> target.shape, round(float(target[..., -1].mean()), 2)  # log amplitude of unit noise
    (torch.Size([2, 3, 4, 9]), 0.0)
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        x = x.float()
        amp = torch.log(x.std(dim=-1, keepdim=True) + _LOG_AMP_FLOOR)
        return torch.cat([band_power(x, band_sfreq), amp], dim=-1)


class SpectralHead(nn.Module):
    """Linear(d -> 9): predicts a token's 8 log band powers and log amplitude.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.pretraining import SpectralHead
    >>> SpectralHead(d_model=32)(torch.randn(2, 3, 4, 32)).shape  # as spectral_target
    torch.Size([2, 3, 4, 9])
    """

    def __init__(self, d_model: int) -> None:
        super().__init__()
        self.proj = nn.Linear(d_model, N_BANDS + 1)

    def forward(self, h: Tensor) -> Tensor:
        return self.proj(h)


class PretrainModule(nn.Module):
    """The model plus the objective's extra head, wrapped once (for DDP) as one module.

    ``forward(x, mask)`` returns the scalar loss and its parts (detached, for logging).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.pretraining import PretrainModule, get_objective, random_mask
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1)
    >>> module = PretrainModule(model, get_objective("spectral"))
    >>> x = torch.randn(2, 3, 2, 1500)  # scaled windows (B, C, L, P)
    >>> mask = random_mask((2, 3, 2), 0.4, torch.Generator().manual_seed(0))
    >>> loss, parts = module(x, mask)
    >>> loss.shape, sorted(parts)
    (torch.Size([]), ['loss_rec', 'loss_spec'])
    >>> loss.backward()  # one loss for the model and the spectral head
    """

    def __init__(self, model: BPTModel, objective: Objective) -> None:
        super().__init__()
        self.model = model
        self.objective = objective
        self.aux = SpectralHead(model.config.d_model) if objective.spectral_weight else None
        if not objective.mask_power:  # unused, so DDP must not wait for its gradient
            model.embed.power_mask_encoding.requires_grad_(False)

    def forward(self, x: Tensor, mask: Tensor) -> tuple[Tensor, dict[str, float]]:
        # x: (B, C, L, P) scaled samples; mask: (B, C, L) True where hidden
        obj, model = self.objective, self.model
        h = model.encode(model.embed(x, mask, obj.mask_power))  # (B, C, L, d)
        rec = model.rec_head(h)  # (B, C, L, P)
        err = (rec.float() - x.float()).square().mean(dim=-1)  # (B, C, L)
        weight = mask.float() if obj.loss_on == "masked" else torch.ones_like(err)
        loss_rec = (err * weight).sum() / weight.sum()
        parts = {"loss_rec": float(loss_rec.detach())}
        loss = loss_rec
        if self.aux is not None:
            target = spectral_target(x, model.config.band_sfreq)  # (B, C, L, 9)
            spec_err = (self.aux(h).float() - target).square().mean(dim=-1)
            loss_spec = (spec_err * mask.float()).sum() / mask.float().sum()
            parts["loss_spec"] = float(loss_spec.detach())
            loss = loss + obj.spectral_weight * loss_spec
        return loss, parts
