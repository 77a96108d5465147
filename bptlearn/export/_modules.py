"""The fitted estimator as one traceable module: scaling, band power, encoder, readout, head.

Everything here is traceable by :func:`torch.export.export` (hence ONNX) and
:func:`torch.jit.trace`: no NumPy and no data-dependent Python branches but the channel
check of per-channel scaling, which is scripted when traced. The model skips its
value checks while traced, and band power comes from :class:`~bptlearn.nn.BandPowerDFT`
(a matrix product) rather than :func:`torch.fft.rfft`, which ONNX Runtime computes less
exactly.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ..estimators._base import INPUT_CLIP
from ..nn import BandPowerDFT, BPTModel
from ..nn.heads import phase_from_pair
from ..nn.readout import Readout
from ..nn.spectral import LOG_POWER_FLOOR


@torch.jit.script_if_tracing
def _check_n_chans(x: Tensor, n_chans: int) -> Tensor:
    """Refuse input whose channel count differs from the fitted one; kept in TorchScript
    traces (scripted there), and in ``torch.export`` programs as an input guard."""
    if x.shape[1] != n_chans:
        raise RuntimeError(
            "This model scales each of its " + str(n_chans) + " fitted channels by its own "
            "statistics, so the input must hold those channels in the fitted order; got "
            + str(x.shape[1]) + " channel(s). Pick the fitted channels, or refit with "
            "scaling='global'.")
    return x


class InputScaling(nn.Module):
    """The fitted input scaling of a bptlearn estimator, on patches (B, C, L, P).

    ``'channel'`` / ``'global'``: ``(x - center) / scale`` with the statistics learned in
    ``fit`` (per channel, or one pair for all); ``'window'``: each window and channel
    z-scored over its (L, P) samples (population std; a zero std counts as 1);
    ``None``: identity. ``forward`` returns the scaled patches and the ``(center,
    scale)`` that undo it, shaped to broadcast against (B, C, L, P).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from bptlearn.export import InputScaling
    >>> scaling = InputScaling("channel", center=np.array([1.0, -1.0]),
    ...                        scale=np.array([2.0, 4.0]))
    >>> x = torch.full((1, 2, 1, 3), 3.0)  # (B, C, L, P), every sample 3 uV
    >>> scaled, center, scale = scaling(x)
    >>> scaled[0, :, 0, 0].tolist(), tuple(center.shape)
    ([1.0, 1.0], (1, 2, 1, 1))
    >>> bool(torch.equal(scaled * scale + center, x))  # (center, scale) undo it
    True
    """

    def __init__(self, scaling: str | None, center: np.ndarray, scale: np.ndarray) -> None:
        super().__init__()
        self.scaling = scaling
        as_buffer = lambda a: torch.as_tensor(np.asarray(a, np.float32)).reshape(1, -1, 1, 1)  # noqa: E731
        self.register_buffer("center", as_buffer(center))
        self.register_buffer("scale", as_buffer(scale))
        self.n_chans = int(self.center.shape[1]) if scaling == "channel" else 0

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        if self.n_chans:  # per-channel statistics: never broadcast them over other channels
            x = _check_n_chans(x, self.n_chans)
        if self.scaling == "window":
            std, center = torch.std_mean(x, dim=(2, 3), keepdim=True, correction=0)
            scale = torch.where(std > 0, std, torch.ones_like(std))  # (B, C, 1, 1)
        elif self.scaling is None:
            return (x.clamp(-INPUT_CLIP, INPUT_CLIP), torch.zeros_like(self.center),
                    torch.ones_like(self.scale))
        else:
            center, scale = self.center, self.scale  # (1, C or 1, 1, 1)
        return ((x - center) / scale).clamp(-INPUT_CLIP, INPUT_CLIP), center, scale


class InferenceModule(nn.Module):
    """Raw patches in µV at the model's rate, (B, C, L, P) float32, to a fitted estimator's
    output, in one module: scaling -> band power -> encoder -> readout -> head.

    Build it with :func:`bptlearn.export.inference_module`. ``head=None`` gives an
    encoder's features; ``unscale=True`` maps a forecast back to µV; ``freq_scale``
    (forecaster ``target='freq_phase'``) turns the head's (frequency, phase pair) into
    one tensor (B, C, 1 + T): frequency in Hz, then the phase in radians.

    Examples
    --------
    An encoder's features (mean pooling, no head), built by hand from a small model:

    >>> import numpy as np, torch
    >>> from bptlearn.export import InferenceModule, InputScaling
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.readout import Readout
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1)
    >>> scaling = InputScaling("window", center=np.zeros(1), scale=np.ones(1))
    >>> module = InferenceModule(scaling, model, "spatial", Readout("mean")).eval()
    >>> module(torch.randn(2, 3, 1, 1500)).shape  # (B, d_model)
    torch.Size([2, 32])
    """

    def __init__(self, scaling: InputScaling, model: BPTModel, layer: str,
                 readout: Readout | None, head: nn.Module | None = None,
                 standardize: nn.Module | None = None, unscale: bool = False,
                 freq_scale: float | None = None) -> None:
        super().__init__()
        self.scaling = scaling
        self.band_power = BandPowerDFT(model.config.patch_len, model.config.band_sfreq)
        self.log_power = BandPowerDFT(model.config.patch_len, model.config.band_sfreq,
                                      offset=LOG_POWER_FLOOR)
        self.model = model
        self.layer = layer
        self.readout = readout
        self.standardize = standardize if standardize is not None else nn.Identity()
        self.head = head
        self.unscale = unscale
        self.freq_scale = freq_scale

    def forward(self, x: Tensor) -> Tensor:
        x, center, scale = self.scaling(x)
        power = self.band_power(x)  # (B, C, L, 8), shared by embedding and readout
        out = self.model(x, layer=self.layer, power=power)  # (B, C, L, d)
        if self.readout is not None:
            log_power = self.log_power(x) \
                if "log_band_power" in self.readout.extra_features else None
            out = self.readout(out, x, power, log_power)
        if self.head is None:
            return out
        out = self.head(self.standardize(out))
        if self.freq_scale is not None:
            freq, pair = out
            return torch.cat([freq[..., None] * self.freq_scale, phase_from_pair(pair)], dim=-1)
        if self.unscale:  # (B, C, T) forecast in scaled units -> µV
            out = out * scale[..., 0] + center[..., 0]
        return out
