"""Readouts: pool (B, C, L, d) tokens to one row per window, and cheap spectral extras."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..utils._check import _check_option
from .spectral import BAND_NAMES, LOG_POWER_FLOOR, band_power

POOLINGS = ("mean", "mean+std", "channel", "token")
EXTRA_FEATURES = ("log_amplitude", "band_power", "log_band_power")


def extra_names(names: tuple[str, ...]) -> list[str]:
    """Per-token column names of the extras ``names``, in the order they are appended.

    Examples
    --------
    >>> from bptlearn.nn.readout import extra_names
    >>> extra_names(("log_amplitude", "log_band_power"))[:3]
    ['log_amplitude', 'log_theta', 'log_alpha']
    """
    out = []
    for name in names:
        _check_option("extra_features", name, EXTRA_FEATURES)
        out += ["log_amplitude"] if name == "log_amplitude" else \
            [f"log_{b}" if name == "log_band_power" else b for b in BAND_NAMES]
    return out


def pool(h: Tensor, pooling: str) -> Tensor:
    """Pool tokens (B, C, L, k) to rows (B, F).

    ``'mean'``: mean over channels and patches, F = k. ``'mean+std'``: mean then standard
    deviation over channels and patches, F = 2k. ``'channel'``: each channel's mean over
    patches, channel-major, F = C*k. ``'token'``: every token, (channel, patch, feature)
    order, F = C*L*k.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.readout import pool
    >>> h = torch.arange(24.0).reshape(1, 2, 3, 4)  # (B, C, L, k)
    >>> pool(h, "mean")
    tensor([[10., 11., 12., 13.]])
    >>> [tuple(pool(h, p).shape) for p in ("mean+std", "channel", "token")]
    [(1, 8), (1, 8), (1, 24)]
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


def token_extras(x: Tensor, names: tuple[str, ...], band_sfreq: float,
                 power: Tensor | None = None, log_power: Tensor | None = None) -> Tensor:
    """Per-token extra features (B, C, L, k) of patches x (B, C, L, P).

    ``'log_amplitude'``: natural log of the patch's standard deviation (1 feature);
    ``'band_power'``: Brant's 8 band powers, ``log10(sum + 1)`` (the numbers its embedding
    mixes; nearly linear in the power for the small band sums of scaled signals), or
    ``power`` when already computed; ``'log_band_power'``: the same bands as a true log,
    ``log10(sum + LOG_POWER_FLOOR)``, or ``log_power`` when already computed.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.readout import token_extras
    >>> x = 10 * torch.randn(2, 3, 4, 1500, generator=torch.Generator().manual_seed(0))
    >>> extras = token_extras(x, ("log_amplitude", "band_power"), band_sfreq=250.0)
    >>> extras.shape  # 1 log amplitude + 8 band powers per token
    torch.Size([2, 3, 4, 9])
    >>> round(float(extras[..., 0].mean()), 1)  # log(10)
    2.3
    """
    parts = []
    for name in names:
        _check_option("extra_features", name, EXTRA_FEATURES)
        if name == "log_amplitude":
            parts.append(torch.log(x.std(dim=-1, keepdim=True) + 1e-6))
        elif name == "band_power":
            parts.append(band_power(x, band_sfreq) if power is None else power)
        else:
            parts.append(band_power(x, band_sfreq, offset=LOG_POWER_FLOOR)
                         if log_power is None else log_power)
    return torch.cat(parts, dim=-1)


class Readout(nn.Module):
    """Window features from tokens h (B, C, L, d) and their patches x (B, C, L, P).

    With a ``pooling`` the tokens and the extras are pooled alike and concatenated,
    (B, F); with ``pooling=None`` every token keeps its own row of features,
    (B, C, L, d + k). Has no parameters.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.readout import Readout
    >>> h, x = torch.randn(2, 3, 4, 32), torch.randn(2, 3, 4, 1500)  # tokens, patches
    >>> readout = Readout("mean", extra_features=("log_amplitude",))
    >>> readout(h, x).shape, readout.n_features(32)
    (torch.Size([2, 33]), 33)
    >>> Readout(None)(h, x).shape  # every token keeps its row
    torch.Size([2, 3, 4, 32])
    """

    def __init__(self, pooling: str | None, extra_features: tuple[str, ...] = (),
                 band_sfreq: float = 250.0) -> None:
        super().__init__()
        if pooling is not None:
            _check_option("pooling", pooling, POOLINGS)
        for name in extra_features:
            _check_option("extra_features", name, EXTRA_FEATURES)
        self.pooling = pooling
        self.extra_features = tuple(extra_features)
        self.band_sfreq = band_sfreq

    def n_features(self, d_model: int) -> int:
        """Width of the output for tokens of width ``d_model`` (pooling None, mean or mean+std)."""
        k = len(extra_names(self.extra_features))
        if self.pooling in ("channel", "token"):
            raise ValueError("n_features depends on the channels for pooling="
                             f"{self.pooling!r}; use pooling='mean' or 'mean+std'.")
        return (d_model + k) * (2 if self.pooling == "mean+std" else 1)

    def forward(self, h: Tensor, x: Tensor, power: Tensor | None = None,
                log_power: Tensor | None = None) -> Tensor:
        # h: (B, C, L, d) tokens; x: (B, C, L, P) patches; power, log_power: their band
        # powers (Brant's and true log) when already computed
        parts = [h.float()]
        if self.extra_features:
            extras = token_extras(x, self.extra_features, self.band_sfreq, power, log_power)
            parts.append(extras)  # (B, C, L, k)
        if self.pooling is None:
            return torch.cat(parts, dim=-1)  # (B, C, L, d + k)
        return torch.cat([pool(p, self.pooling) for p in parts], dim=-1)  # (B, F)


class ColumnProjection(nn.Module):
    """An affine map of the first ``n_in`` columns of (B, F) rows; the rest pass through.

    ``out = cat([x[:, :n_in] @ weight.T + bias, x[:, n_in:]])``, (B, n_out + F - n_in): how
    a compression of the embedding columns learned in ``fit`` (a whitened PCA) runs
    inside the model, leaving the appended extras as they are.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.readout import ColumnProjection
    >>> proj = ColumnProjection(weight=torch.tensor([[1.0, 1.0, 0.0]]), bias=torch.tensor([-1.0]))
    >>> proj(torch.tensor([[2.0, 3.0, 5.0, 7.0]]))  # 2 + 3 - 1, then the fourth column
    tensor([[4., 7.]])
    """

    def __init__(self, weight: Tensor, bias: Tensor) -> None:
        super().__init__()
        self.register_buffer("weight", torch.as_tensor(weight, dtype=torch.float32))
        self.register_buffer("bias", torch.as_tensor(bias, dtype=torch.float32))

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, F) -> (B, n_out + F - n_in)
        n_in = self.weight.shape[1]
        return torch.cat([x[:, :n_in] @ self.weight.T + self.bias, x[:, n_in:]], dim=-1)
