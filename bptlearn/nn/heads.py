"""Task heads on Brant tokens, and the module that joins an encoder to a head.

Heads take encoder tokens ``h`` of shape (B, C, L, d) (the seizure head also pooled
window features). Shapes out: seizure (B, n_outputs) per window or (B, C, L, n_outputs)
per token; forecast
(B, C, H*P) (the residual forecast over a baseline: :class:`ForecastBaseline`,
:class:`ForecastReadout`, :class:`ResidualForecastHead`); frequency-phase ((B, C),
(B, C, 2, H*P)); imputation (B, C, L, P).

"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..utils._check import _check_option
from .model import LAYERS, BPTModel


class SeizureHead(nn.Module):
    """The paper's MLP in -> in/2 -> in/4 -> n_outputs (ReLU) on the last axis.

    Applied to every token (B, C, L, d) as in the paper, or to pooled window features
    (B, F). Submodule names follow braindecode's ``final_layer.mlp.{0,2,4}``.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import SeizureHead
    >>> head = SeizureHead(in_features=32, n_outputs=2)
    >>> [layer.out_features for layer in head.mlp if isinstance(layer, torch.nn.Linear)]
    [16, 8, 2]
    >>> head(torch.randn(4, 3, 2, 32)).shape  # one score pair per token (B, C, L, 2)
    torch.Size([4, 3, 2, 2])
    """

    def __init__(self, in_features: int, n_outputs: int = 2) -> None:
        super().__init__()
        d = in_features
        self.mlp = nn.Sequential(nn.Linear(d, d // 2), nn.ReLU(), nn.Linear(d // 2, d // 4),
                                 nn.ReLU(), nn.Linear(d // 4, n_outputs))

    def forward(self, h: Tensor) -> Tensor:
        return self.mlp(h)  # (..., n_outputs)


class ForecastHead(nn.Module):
    """Mean-pool each channel's tokens, then Linear(d -> horizon * patch_len).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import ForecastHead
    >>> head = ForecastHead(d_model=32, n_out=2 * 1500)  # two patches ahead
    >>> head(torch.randn(4, 3, 5, 32)).shape  # (B, C, horizon * patch_len)
    torch.Size([4, 3, 3000])
    """

    def __init__(self, d_model: int, n_out: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Linear(d_model, n_out)

    def forward(self, h: Tensor) -> Tensor:
        return self.proj(self.drop(h.mean(dim=2)))  # (B, C, d) -> (B, C, n_out)


class ForecastBaseline(nn.Module):
    """A simple forecast as a traceable module: patches (B, C, L, P) -> (B, C, n_out).

    ``kind='mean'``: each channel's history mean, repeated. ``kind='repeat'``: the last
    patch, tiled. ``kind='linear'``: ``m + weight @ (last p samples - m) + bias`` per
    channel, ``m`` its history mean (``weight`` (C or 1, n_out, p), ``bias`` (C or 1,
    n_out)), which is exactly what an autoregression on the centred history forecasts:
    its impulse responses (see :class:`bptlearn.baselines.ARForecaster`).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import ForecastBaseline
    >>> x = torch.arange(8.0).reshape(1, 1, 2, 4)  # (B, C, L, P)
    >>> ForecastBaseline("mean", n_out=3)(x)
    tensor([[[3.5000, 3.5000, 3.5000]]])
    >>> ForecastBaseline("linear", n_out=2, weight=torch.ones(1, 2, 1), bias=torch.zeros(1, 2))(x)
    tensor([[[7., 7.]]])
    """

    def __init__(self, kind: str, n_out: int, weight: Tensor | None = None,
                 bias: Tensor | None = None) -> None:
        super().__init__()
        self.kind = _check_option("kind", kind, ("mean", "repeat", "linear"))
        self.n_out = n_out
        if kind == "linear":
            self.register_buffer("weight", torch.as_tensor(weight, dtype=torch.float32))
            self.register_buffer("bias", torch.as_tensor(bias, dtype=torch.float32))

    def forward(self, x: Tensor) -> Tensor:
        B, C, L, P = x.shape
        if self.kind == "mean":
            return x.mean(dim=(2, 3))[..., None].expand(B, C, self.n_out)
        if self.kind == "repeat":
            return x[:, :, -1].repeat(1, 1, self.n_out // P)  # (B, C, n_out)
        p = self.weight.shape[-1]
        flat = x.reshape(B, C, L * P)
        mean = flat.mean(dim=-1, keepdim=True)  # (B, C, 1)
        last = flat[..., L * P - p:] - mean  # (B, C, p), oldest first, centred
        return mean + torch.einsum("bcp,cop->bco", last, self.weight.expand(C, -1, -1)) + self.bias


class ForecastReadout(nn.Module):
    """Tokens and input to what :class:`ResidualForecastHead` reads: (B, C, d + n_out).

    Each channel's tokens mean-pooled over patches (d values), then the baseline's
    forecast of the same channel (n_out values), from the input patches ``x``.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import ForecastBaseline, ForecastReadout
    >>> readout = ForecastReadout(ForecastBaseline("mean", n_out=5))
    >>> readout(torch.randn(2, 3, 4, 16), torch.randn(2, 3, 4, 10)).shape  # d=16, n_out=5
    torch.Size([2, 3, 21])
    """

    extra_features: tuple[str, ...] = ()  # as Readout: no band power needed

    def __init__(self, baseline: ForecastBaseline) -> None:
        super().__init__()
        self.baseline = baseline

    def forward(self, h: Tensor, x: Tensor, power: Tensor | None = None,
                log_power: Tensor | None = None) -> Tensor:
        # the signature of Readout; band powers are not used
        return torch.cat([h.mean(dim=2), self.baseline(x)], dim=-1)  # (B, C, d + n_out)


class ResidualForecastHead(nn.Module):
    """Baseline forecast plus a shrunk linear correction from the pooled tokens.

    Reads (B, C, d + n_out) from :class:`ForecastReadout` (possibly standardised with
    ``base_mean``/``base_scale`` on the baseline part) and returns
    ``use_baseline * baseline + gate * Linear(tokens)``, (B, C, n_out). Training fits the
    correction to the residual (``use_baseline=0``, ``gate=1``); the estimator then sets
    ``use_baseline=1`` and ``gate`` to the shrinkage estimated on held-back data, 0 where
    the correction does not help, so that the head returns the baseline exactly there.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import ResidualForecastHead
    >>> head = ResidualForecastHead(d_model=4, n_out=3)
    >>> _ = head.use_baseline.fill_(1.0), head.gate.zero_()  # no skill: the baseline
    >>> z = torch.cat([torch.randn(1, 2, 4), torch.full((1, 2, 3), 7.0)], dim=-1)
    >>> head(z).detach()
    tensor([[[7., 7., 7.],
             [7., 7., 7.]]])
    """

    def __init__(self, d_model: int, n_out: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.d_model = d_model
        self.drop = nn.Dropout(dropout)
        self.proj = nn.Linear(d_model, n_out)
        self.register_buffer("gate", torch.ones(n_out))
        self.register_buffer("use_baseline", torch.tensor(0.0))
        self.register_buffer("base_mean", torch.zeros(n_out))
        self.register_buffer("base_scale", torch.ones(n_out))

    def forward(self, z: Tensor) -> Tensor:
        h, base = z[..., :self.d_model], z[..., self.d_model:]
        base = base * self.base_scale + self.base_mean  # undo a standardisation
        return self.use_baseline * base + self.gate * self.proj(self.drop(h))


class FreqPhaseHead(nn.Module):
    """Dominant frequency (one value per channel) and the phase at every future sample.

    The phase is predicted as a (cos, sin) pair so that it has no wrap-around; the
    frequency in whatever units the training targets use.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import FreqPhaseHead
    >>> head = FreqPhaseHead(d_model=32, n_times=1500)
    >>> freq, pair = head(torch.randn(4, 3, 5, 32))
    >>> freq.shape, pair.shape  # (B, C) and (B, C, 2, n_times)
    (torch.Size([4, 3]), torch.Size([4, 3, 2, 1500]))
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

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import ImputationHead
    >>> head = ImputationHead(d_model=32, patch_len=1500)
    >>> h, x = torch.randn(1, 3, 2, 32), torch.randn(1, 3, 2, 1500)
    >>> mask = torch.zeros_like(x)
    >>> mask[0, 1, 0] = 1.0  # channel 1, patch 0 is hidden
    >>> out = head(h, x, mask)
    >>> out.shape, bool(torch.equal(out, x))  # untrained: the interpolation unchanged
    (torch.Size([1, 3, 2, 1500]), True)
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
    """Encoder + :class:`ImputationHead` on packed input (B, C, L, 2P): samples, then mask.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.heads import ImputationHead, ImputationModel
    >>> encoder = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                    n_temporal_layers=1, n_spatial_layers=1)
    >>> model = ImputationModel(encoder, ImputationHead(32, patch_len=1500)).eval()
    >>> x, mask = torch.randn(2, 3, 2, 1500), torch.zeros(2, 3, 2, 1500)
    >>> packed = torch.cat([x, mask], dim=-1)  # (B, C, L, 2P)
    >>> model(packed).shape  # (B, C, L, P)
    torch.Size([2, 3, 2, 1500])
    """

    def __init__(self, encoder: BPTModel, head: ImputationHead, layer: str = "spatial") -> None:
        super().__init__()
        self.encoder = encoder
        self.layer = _check_option("layer", layer, LAYERS)
        self.head = head

    def forward(self, packed: Tensor) -> Tensor:
        P = packed.shape[-1] // 2
        x, mask = packed[..., :P], packed[..., P:]
        return self.head(self.encoder(x, layer=self.layer), x, mask)  # (B, C, L, P)


class Standardize(nn.Module):
    """Fixed affine map ``(h - mean) / scale`` over the last axis (buffers, not trained).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.heads import Standardize
    >>> std = Standardize(mean=torch.tensor([1.0, 2.0]), scale=torch.tensor([2.0, 4.0]))
    >>> std(torch.tensor([[3.0, 6.0], [1.0, 2.0]]))
    tensor([[1., 1.],
            [0., 0.]])
    >>> sorted(name for name, _ in std.named_buffers()), len(list(std.parameters()))
    (['mean', 'scale'], 0)
    """

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

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.heads import SeizureHead, TaskModel
    >>> from bptlearn.nn.readout import Readout
    >>> encoder = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                    n_temporal_layers=1, n_spatial_layers=1)
    >>> model = TaskModel(encoder, SeizureHead(32), readout=Readout("mean")).eval()
    >>> model(torch.randn(2, 3, 1, 1500)).shape  # one score pair per window
    torch.Size([2, 2])
    >>> sorted({name.split(".")[0] for name, _ in model.named_parameters()})
    ['encoder', 'head']
    """

    def __init__(self, encoder: BPTModel | None, head: nn.Module, layer: str = "spatial",
                 standardize: Standardize | None = None, readout: nn.Module | None = None) -> None:
        super().__init__()
        self.encoder = encoder
        self.layer = _check_option("layer", layer, LAYERS)
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
    """Angle in radians of a (..., 2, T) (cos, sin) pair: (..., T).

    Examples
    --------
    >>> import math, torch
    >>> from bptlearn.nn.heads import phase_from_pair
    >>> t = torch.tensor([0.0, math.pi / 2, -math.pi / 2])
    >>> phase_from_pair(torch.stack([torch.cos(t), torch.sin(t)]))  # (2, T) -> (T,)
    tensor([ 0.0000,  1.5708, -1.5708])
    """
    return torch.atan2(pair[..., 1, :], pair[..., 0, :])
