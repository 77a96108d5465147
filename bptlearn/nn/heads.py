"""Task heads on Brant tokens, and the module that joins an encoder to a head.

Heads take encoder tokens ``h`` of shape (B, C, L, d) (the seizure head also pooled
window features). Shapes out: seizure (B, n_outputs) per window or (B, C, L, n_outputs)
per token; forecast
(B, C, H*P); frequency-phase ((B, C), (B, C, 2, H*P)); imputation (B, C, L, P).

"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..utils._check import _check_option
from .model import BPTModel


class SeizureHead(nn.Module):
    """The paper's MLP in -> in/2 -> in/4 -> n_outputs (ReLU) on the last axis.

    Applied to every token (B, C, L, d) as in the paper, or to pooled window features
    (B, F). Submodule names follow braindecode's ``final_layer.mlp.{0,2,4}``.
    """

    def __init__(self, in_features: int, n_outputs: int = 2) -> None:
        super().__init__()
        d = in_features
        self.mlp = nn.Sequential(nn.Linear(d, d // 2), nn.ReLU(), nn.Linear(d // 2, d // 4),
                                 nn.ReLU(), nn.Linear(d // 4, n_outputs))

    def forward(self, h: Tensor) -> Tensor:
        return self.mlp(h)  # (..., n_outputs)


class ForecastHead(nn.Module):
    """Mean-pool each channel's tokens, then Linear(d -> horizon * patch_len)."""

    def __init__(self, d_model: int, n_out: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Linear(d_model, n_out)

    def forward(self, h: Tensor) -> Tensor:
        return self.proj(self.drop(h.mean(dim=2)))  # (B, C, d) -> (B, C, n_out)


class FreqPhaseHead(nn.Module):
    """Dominant frequency (one value per channel) and the phase at every future sample.

    The phase is predicted as a (cos, sin) pair so that it has no wrap-around; the
    frequency in whatever units the training targets use.
    """

    def __init__(self, d_model: int, n_times: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.n_times = n_times
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Linear(d_model, 1 + 2 * n_times)

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor]:
        out = self.proj(self.drop(h.mean(dim=2)))  # (B, C, 1 + 2T)
        B, C, _ = out.shape
        return out[..., 0], out[..., 1:].reshape(B, C, 2, self.n_times)  # (B, C), (B, C, 2, T)


class ImputationHead(nn.Module):
    """Correct an interpolation of the hidden samples: Brant's token head plus a local filter.

    ``token``: the paper's Linear(d -> patch_len) on every token. ``local``: a small
    convolution over (interpolated signal, mask) spanning ``kernel_size`` samples and the
    neighbouring channels (SEEG contacts are listed along their shafts, so neighbours in
    the channel order are neighbours in the brain). Both start at zero, so an untrained
    head returns the interpolation; only hidden samples change.
    """

    def __init__(self, d_model: int, patch_len: int, width: int = 16, kernel_size: int = 9) -> None:
        super().__init__()
        k = (3, kernel_size)
        pad = (1, kernel_size // 2)
        self.token = nn.Linear(d_model, patch_len)
        self.local = nn.Sequential(
            nn.Conv2d(2, width, k, padding=pad), nn.ReLU(),
            nn.Conv2d(width, width, k, padding=pad), nn.ReLU(),
            nn.Conv2d(width, 1, k, padding=pad))
        for layer in (self.token, self.local[-1]):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, h: Tensor, x: Tensor, mask: Tensor) -> Tensor:
        # h: (B, C, L, d); x, mask: (B, C, L, P) interpolated samples and 1 where hidden
        B, C, L, P = x.shape
        z = torch.stack([x.reshape(B, C, L * P), mask.reshape(B, C, L * P)], dim=1)
        local = self.local(z).reshape(B, C, L, P)  # (B, 2, C, L*P) -> (B, C, L, P)
        return x + (self.token(h) + local) * mask


class ImputationModel(nn.Module):
    """Encoder + :class:`ImputationHead` on packed input (B, C, L, 2P): samples, then mask."""

    def __init__(self, encoder: BPTModel, head: ImputationHead, layer: str = "spatial") -> None:
        super().__init__()
        self.encoder = encoder
        self.layer = _check_option("layer", layer, ("spatial", "temporal"))
        self.head = head

    def forward(self, packed: Tensor) -> Tensor:
        P = packed.shape[-1] // 2
        x, mask = packed[..., :P], packed[..., P:]
        return self.head(self.encoder(x, layer=self.layer), x, mask)  # (B, C, L, P)


class Standardize(nn.Module):
    """Fixed affine map ``(h - mean) / scale`` over the last axis (buffers, not trained)."""

    def __init__(self, mean: Tensor, scale: Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean.detach().clone())
        self.register_buffer("scale", scale.detach().clone())

    def forward(self, h: Tensor) -> Tensor:
        return (h - self.mean) / self.scale


class TaskModel(nn.Module):
    """Encoder, readout and head as one module: ``head(standardize(readout(encoder(x), x)))``.

    ``encoder`` is a :class:`~bptlearn.nn.BPTModel` or ``None``; with ``None`` the input is already
    the readout's features, which is how a frozen-encoder probe trains its head on
    features computed once. ``readout`` (:class:`~bptlearn.nn.readout.Readout`) is optional;
    without it the head gets the tokens (B, C, L, d). Parameter names start with
    ``encoder.`` and ``head.``, so that skorch's ``Freezer('encoder.*')`` and
    ``optimizer__param_groups`` address them.
    """

    def __init__(self, encoder: BPTModel | None, head: nn.Module, layer: str = "spatial",
                 standardize: Standardize | None = None, readout: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.layer = _check_option("layer", layer, ("spatial", "temporal"))
        self.readout = readout
        self.standardize = standardize if standardize is not None else nn.Identity()
        self.head = head

    def features(self, x: Tensor) -> Tensor:
        """What the head reads (before standardisation): readout of the encoder's tokens."""
        h = self.encoder(x, layer=self.layer)  # (B, C, L, d)
        return h if self.readout is None else self.readout(h, x)

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, ...]:
        features = x if self.encoder is None else self.features(x)
        return self.head(self.standardize(features))


def phase_from_pair(pair: Tensor) -> Tensor:
    """Angle in radians of a (..., 2, T) (cos, sin) pair: (..., T)."""
    return torch.atan2(pair[..., 1, :], pair[..., 0, :])
