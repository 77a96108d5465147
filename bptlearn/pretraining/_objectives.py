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

Two options add terms on the token embeddings ``h`` (B, C, L, d), beside the masked
objective (named variants: ``spectral_events``, ``spectral_vicreg`` and
``spectral_events_vicreg``):

* ``event_weight``: synthetic supervision. A linear :class:`EventHead` predicts, from each
  token's embedding, the fraction of its patch inside each event of :data:`EVENT_NAMES`
  (binary cross-entropy on every token, masked or not), so that the embedding's main
  directions carry seizure state. Labels come from the simulators
  (:func:`~bptlearn.pretraining.collate_events`); tokens without labels (real recordings,
  events a simulator does not mark) add nothing.
* ``vicreg_weight``: anti-collapse. The variance and covariance terms of VICReg
  (Bardes et al., 2022) over the batch's tokens: a hinge keeping each embedding
  dimension's standard deviation at 1 or more, plus 1/25 of the summed squared
  off-diagonal covariances over d (VICReg's 25:1 ratio), see :func:`variance_covariance`.

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
import torch.nn.functional as F
from torch import Tensor, nn

from ..nn.masking import MASK_RATIO
from ..nn.model import BPTModel
from ..nn.spectral import LOG_POWER_FLOOR, N_BANDS, band_power
from ..utils._check import _check_option

_LOG_AMP_FLOOR = 1e-3  # keeps log(std) finite on flat (zero) patches
_VICREG_COV = 1 / 25  # VICReg's covariance : variance weights (1 : 25)

#: Events the auxiliary heads predict, in the order of the targets' last axis.
EVENT_NAMES: tuple[str, ...] = ("seizure", "spike", "hfo", "artefact")


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
    event_weight : float, default=0.0
        Weight of the event heads' binary cross-entropy (0 turns them off).
    vicreg_weight : float, default=0.0
        Weight of the variance-covariance regulariser on token embeddings (0 turns it off).
    token_spectral_weight : float, default=0.0
        Weight of a linear head that reads EVERY token's own true-log band powers and log
        amplitude (the features of :class:`~bptlearn.estimators.BPTEncoder`'s extras) from
        its embedding, so that frozen embeddings carry linearly what band power carries
        (0 turns it off).

    Examples
    --------
    >>> from bptlearn.pretraining import OBJECTIVES
    >>> OBJECTIVES["official"].loss_on, OBJECTIVES["spectral"].mask_power
    ('all', True)
    """

    name: str = "official"
    mask_ratio: float = MASK_RATIO
    loss_on: str = "all"
    mask_power: bool = False
    spectral_weight: float = 0.0
    event_weight: float = 0.0
    vicreg_weight: float = 0.0
    token_spectral_weight: float = 0.0

    def __post_init__(self) -> None:
        _check_option("loss_on", self.loss_on, ("all", "masked"))
        if not 0.0 < self.mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must lie in (0, 1), got {self.mask_ratio!r}.")
        for name in ("spectral_weight", "event_weight", "vicreg_weight",
                     "token_spectral_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the fields."""
        return asdict(self)


OBJECTIVES: dict[str, Objective] = {
    "official": Objective("official", loss_on="all"),
    "masked": Objective("masked", loss_on="masked"),
    "mask_power": Objective("mask_power", loss_on="masked", mask_power=True),
    "spectral": Objective("spectral", loss_on="masked", mask_power=True, spectral_weight=1.0),
    "spectral_events": Objective("spectral_events", loss_on="masked", mask_power=True,
                                 spectral_weight=1.0, event_weight=1.0),
    "spectral_vicreg": Objective("spectral_vicreg", loss_on="masked", mask_power=True,
                                 spectral_weight=1.0, vicreg_weight=1.0),
    "spectral_events_vicreg": Objective("spectral_events_vicreg", loss_on="masked",
                                        mask_power=True, spectral_weight=1.0, event_weight=1.0,
                                        vicreg_weight=1.0),
    "spectral_tokens": Objective("spectral_tokens", loss_on="masked", mask_power=True,
                                 spectral_weight=1.0, token_spectral_weight=1.0),
    "spectral_tokens_events": Objective("spectral_tokens_events", loss_on="masked",
                                        mask_power=True, spectral_weight=1.0,
                                        token_spectral_weight=1.0, event_weight=1.0),
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


def spectral_target(x: Tensor, band_sfreq: float, power: Tensor | None = None, *,
                    offset: float = 1.0) -> Tensor:
    """(…, 9) targets of a patch: its 8 log band powers, then ``log(std + 1e-3)``.

    ``power`` (…, 8) is :func:`~bptlearn.nn.band_power` of ``x`` (with ``offset``, Brant's
    1 or :data:`~bptlearn.nn.LOG_POWER_FLOOR` for a true log) when already computed.

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
        power = band_power(x, band_sfreq, offset=offset) if power is None else power.float()
        return torch.cat([power, amp], dim=-1)


def variance_covariance(h: Tensor, eps: float = 1e-4) -> tuple[Tensor, Tensor]:
    """VICReg's variance and covariance terms of embeddings ``h`` (…, d), over all rows.

    ``variance`` is the mean over dimensions of ``relu(1 - sqrt(var + eps))``;
    ``covariance`` the sum of squared off-diagonal covariances divided by d.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.pretraining import variance_covariance
    >>> g = torch.Generator().manual_seed(0)
    >>> var, cov = variance_covariance(torch.randn(4000, 8, generator=g))  # isotropic
    >>> round(float(var), 2), round(float(cov), 3)
    (0.0, 0.002)
    >>> var, cov = variance_covariance(torch.zeros(100, 8))  # collapsed: the hinge is full
    >>> round(float(var), 2)
    0.99
    """
    with torch.autocast(device_type=h.device.type, enabled=False):
        z = h.reshape(-1, h.shape[-1]).float()
        z = z - z.mean(dim=0)
        n, d = z.shape
        variance = F.relu(1.0 - torch.sqrt(z.var(dim=0) + eps)).mean()
        cov = (z.T @ z) / max(n - 1, 1)  # (d, d)
        covariance = (cov.square().sum() - cov.diagonal().square().sum()) / d
    return variance, covariance


def event_loss(logits: Tensor, target: Tensor | None) -> Tensor:
    """Binary cross-entropy of event logits (…, E) against label fractions (…, E).

    Entries whose target is NaN (not labelled) or a missing ``target`` count for nothing;
    the result stays attached to ``logits`` (a zero gradient), as DDP needs.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.pretraining import event_loss
    >>> logits = torch.zeros(2, 4)
    >>> target = torch.tensor([[1.0, 0.0, float("nan"), 0.5], [0.0] * 4])
    >>> round(float(event_loss(logits, target)), 4)  # log 2 on the 7 labelled entries
    0.6931
    >>> float(event_loss(logits, None))
    0.0
    """
    if target is None:
        return logits.sum() * 0.0
    known = torch.isfinite(target)
    bce = F.binary_cross_entropy_with_logits(
        logits.float(), torch.where(known, target, 0.0).float(), reduction="none")
    return (bce * known).sum() / known.sum().clamp(min=1)


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


class EventHead(nn.Module):
    """Linear(d -> 4): logits of the fraction of a token's patch in each of :data:`EVENT_NAMES`.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.pretraining import EventHead
    >>> EventHead(d_model=32)(torch.randn(2, 3, 4, 32)).shape  # as collate_events
    torch.Size([2, 3, 4, 4])
    """

    def __init__(self, d_model: int) -> None:
        super().__init__()
        self.proj = nn.Linear(d_model, len(EVENT_NAMES))

    def forward(self, h: Tensor) -> Tensor:
        return self.proj(h)


class PretrainModule(nn.Module):
    """The model plus the objective's extra heads, wrapped once (for DDP) as one module.

    ``forward(x, mask, events=None)`` returns the scalar loss and its parts (detached, for
    logging). ``events`` (B, C, L, 4) holds the label fractions of
    :func:`~bptlearn.pretraining.collate_events` (NaN where unknown).

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
    >>> module = PretrainModule(model, get_objective("spectral_events_vicreg"))
    >>> events = torch.zeros(2, 3, 2, 4)  # no event anywhere in these windows
    >>> sorted(module(x, mask, events)[1])
    ['loss_event', 'loss_rec', 'loss_spec', 'loss_vc']
    """

    def __init__(self, model: BPTModel, objective: Objective) -> None:
        super().__init__()
        self.model = model
        self.objective = objective
        d = model.config.d_model
        self.aux = SpectralHead(d) if objective.spectral_weight else None
        self.event_head = EventHead(d) if objective.event_weight else None
        self.token_aux = SpectralHead(d) if objective.token_spectral_weight else None
        if not objective.mask_power:  # unused, so DDP must not wait for its gradient
            model.embed.power_mask_encoding.requires_grad_(False)

    def heads(self) -> dict[str, nn.Module]:
        """The objective's extra heads that this module has, by checkpoint key."""
        named = {"aux": self.aux, "event_head": self.event_head, "token_aux": self.token_aux}
        return {key: head for key, head in named.items() if head is not None}

    def forward(self, x: Tensor, mask: Tensor,
                events: Tensor | None = None) -> tuple[Tensor, dict[str, float]]:
        # x: (B, C, L, P) scaled samples; mask: (B, C, L) True where hidden
        obj, model = self.objective, self.model
        sfreq = model.config.band_sfreq
        if self.token_aux is not None:  # one FFT for both logs: the true one, and Brant's
            true_power = band_power(x, sfreq, offset=LOG_POWER_FLOOR)  # (B, C, L, 8)
            power = torch.log10(torch.pow(10.0, true_power) + (1.0 - LOG_POWER_FLOOR))
        else:
            power = band_power(x, sfreq)  # once: embedding input and target
        h = model.encode(model.embed(x, mask, obj.mask_power, power=power))  # (B, C, L, d)
        h_hidden, x_hidden = h[mask], x[mask]  # (n_hidden, d), (n_hidden, P)
        if obj.loss_on == "masked":  # decode the hidden tokens only
            loss_rec = (model.rec_head(h_hidden).float() - x_hidden.float()).square().mean()
        else:
            loss_rec = (model.rec_head(h).float() - x.float()).square().mean()
        parts = {"loss_rec": float(loss_rec.detach())}
        loss = loss_rec
        if self.aux is not None:
            target = spectral_target(x_hidden, sfreq, power[mask])  # (n, 9)
            loss_spec = (self.aux(h_hidden).float() - target).square().mean()
            parts["loss_spec"] = float(loss_spec.detach())
            loss = loss + obj.spectral_weight * loss_spec
        if self.token_aux is not None:  # every token reads out its own spectrum, linearly
            target = spectral_target(x, sfreq, true_power)  # (B, C, L, 9)
            loss_tok = (self.token_aux(h).float() - target).square().mean()
            parts["loss_tok"] = float(loss_tok.detach())
            loss = loss + obj.token_spectral_weight * loss_tok
        if self.event_head is not None:
            loss_event = event_loss(self.event_head(h), events)
            parts["loss_event"] = float(loss_event.detach())
            loss = loss + obj.event_weight * loss_event
        if obj.vicreg_weight:
            variance, covariance = variance_covariance(h)
            loss_vc = variance + _VICREG_COV * covariance
            parts["loss_vc"] = float(loss_vc.detach())
            loss = loss + obj.vicreg_weight * loss_vc
        return loss, parts
