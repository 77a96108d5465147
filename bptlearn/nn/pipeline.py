"""A fitted estimator's inference as one module: scaling, band power, encoder, readout, head.

The estimators build an :class:`InferenceModule` in ``fit`` (their ``pipeline_``) and run
its stages in their batching loop; :mod:`bptlearn.export` traces the same module. Its
parts are traceable by :func:`torch.export.export` (hence ONNX) and
:func:`torch.jit.trace`: no NumPy and no data-dependent Python branches but the channel
check of per-channel scaling, which is scripted when traced. Run eagerly, scaling
statistics are computed in float64 and ignore NaN, and band power comes from
:func:`torch.fft.rfft`; traced, they are float32 and band power is a DFT matrix product
(:class:`~bptlearn.nn.BandPowerDFT`), which ONNX Runtime computes more exactly than its
own DFT operator.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .heads import ImputationModel, phase_from_pair
from .model import BPTModel
from .precision import autocast
from .spectral import LOG_POWER_FLOOR, BandPowerDFT

#: Bound of the scaled input the model sees: far above any real signal (a million robust
#: standard deviations), far below float32 overflow in the band power. Finite input, finite
#: output: one wild sample (1e25) is clipped, not turned into NaN embeddings.
INPUT_CLIP = 1e6


def _tracing() -> bool:
    """Whether the module is being traced or exported rather than run."""
    exporting = getattr(torch.compiler, "is_exporting", lambda: False)()
    return torch.jit.is_tracing() or exporting


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
    ``None``: identity. The result is clipped to ``±INPUT_CLIP``; ``forward`` returns the
    scaled patches and the ``(center, scale)`` that undo it, shaped to broadcast against
    (B, C, L, P). NaN samples (imputation) are left out of the window statistics and
    become 0, the scaled median.

    Parameters
    ----------
    scaling : {'channel', 'global', 'window'} or None
        The estimator's ``scaling_``.
    center, scale : ndarray of shape (n_chans,) or (1,)
        Statistics learned in ``fit`` (``center_``, ``scale_``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from bptlearn.nn.pipeline import InputScaling
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

    def stats(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(center, scale)`` for patches x (B, C, L, P): (B, C, 1, 1) for ``'window'``,
        else the fitted (1, C or 1, 1, 1)."""
        if self.scaling == "window":
            if _tracing():  # float32 in an exported graph
                std, center = torch.std_mean(x, dim=(2, 3), keepdim=True, correction=0)
            else:  # float64 (float32 squares overflow at 1e19), NaN samples left out
                xd = x.double()
                center = xd.nanmean(dim=(2, 3), keepdim=True)
                std = (xd - center).square().nanmean(dim=(2, 3), keepdim=True).sqrt()
            scale = torch.where(std > 0, std, torch.ones_like(std))
            return center.to(x.dtype), scale.to(x.dtype)
        if self.scaling is None:
            return torch.zeros_like(self.center), torch.ones_like(self.scale)
        return self.center, self.scale

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        if self.n_chans:  # per-channel statistics: never broadcast them over other channels
            x = _check_n_chans(x, self.n_chans)
        center, scale = self.stats(x)
        scaled = ((x - center) / scale).clamp(-INPUT_CLIP, INPUT_CLIP)
        if not _tracing():
            scaled = torch.nan_to_num(scaled, nan=0.0)
        return scaled, center, scale


def freq_phase_output(freq: Tensor, pair: Tensor, freq_scale: float) -> Tensor:
    """A frequency-phase head's output as one tensor (B, C, 1 + T): the frequency in Hz,
    then the phase in radians at each future sample.

    Parameters
    ----------
    freq : torch.Tensor of shape (B, C)
        Frequency in units of ``freq_scale`` Hz.
    pair : torch.Tensor of shape (B, C, 2, T)
        (cos, sin) of the phase.
    freq_scale : float
        Hz per unit of ``freq``.

    Returns
    -------
    out : torch.Tensor of shape (B, C, 1 + T)

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn.pipeline import freq_phase_output
    >>> pair = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])  # (1, 1, 2, T=2): phases 0, pi/2
    >>> freq_phase_output(torch.tensor([[0.8]]), pair, freq_scale=10.0)
    tensor([[[8.0000, 0.0000, 1.5708]]])
    """
    return torch.cat([freq[..., None] * freq_scale, phase_from_pair(pair)], dim=-1)


class InferenceModule(nn.Module):
    """Raw patches in µV at the model's rate, (B, C, L, P) float32, to a fitted estimator's
    output, in one module: scaling -> band power -> encoder -> readout -> head.

    The estimators build it in ``fit`` (``pipeline_``); their batching loop scales each
    batch with the same :class:`InputScaling` and calls :meth:`forward_scaled` (the
    encoder: :meth:`features_scaled`, cached, then its head, the fitted projection).
    ``head=None`` gives an encoder's features; ``unscale=True`` maps a forecast back to µV;
    ``freq_scale`` (forecaster ``target='freq_phase'``) turns the head's (frequency,
    phase pair) into one tensor (B, C, 1 + T) (:func:`freq_phase_output`). :meth:`exportable`
    gives the float32 copy that :mod:`bptlearn.export` traces.

    Parameters
    ----------
    scaling : InputScaling
        The fitted input scaling.
    model : BPTModel
        The encoder.
    layer : {'spatial', 'temporal'}
        Where the encoder is read.
    readout : Readout or None
        Pooling and extras between the encoder and the head (``None``: the tokens).
    head : torch.nn.Module or None, default=None
        The task head (``None``: the readout's features are the output).
    standardize : torch.nn.Module or None, default=None
        Fixed map applied before the head (a probe's feature standardisation).
    unscale : bool, default=False
        Map the output back to the input's units (forecasts).
    freq_scale : float or None, default=None
        Hz per unit of a frequency-phase head's frequency.
    precision : {'fp32', 'bf16', 'fp16', 'int8'}, default='fp32'
        Precision the encoder runs at (:func:`~bptlearn.nn.autocast`).

    Examples
    --------
    An encoder's features (mean pooling, no head), built by hand from a small model:

    >>> import numpy as np, torch
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.pipeline import InferenceModule, InputScaling
    >>> from bptlearn.nn.readout import Readout
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1)
    >>> scaling = InputScaling("window", center=np.zeros(1), scale=np.ones(1))
    >>> module = InferenceModule(scaling, model, "spatial", Readout("mean")).eval()
    >>> module(torch.randn(2, 3, 1, 1500)).shape  # (B, d_model)
    torch.Size([2, 32])
    """

    def __init__(self, scaling: InputScaling, model: BPTModel, layer: str,
                 readout: nn.Module | None, head: nn.Module | None = None,
                 standardize: nn.Module | None = None, unscale: bool = False,
                 freq_scale: float | None = None, precision: str = "fp32") -> None:
        super().__init__()
        self.scaling = scaling
        self.model = model
        self.layer = layer
        self.readout = readout
        self.standardize = standardize if standardize is not None else nn.Identity()
        self.head = head
        self.unscale = unscale
        self.freq_scale = freq_scale
        self.precision = precision
        self.band_power: nn.Module | None = None  # DFT band power, set by exportable()
        self.log_power: nn.Module | None = None

    def exportable(self) -> InferenceModule:
        """A float32 copy whose band power is a DFT matrix product, for tracing.

        Returns
        -------
        module : InferenceModule
            A deep copy, in eval mode; the original is left alone.
        """
        module = copy.deepcopy(self).eval()
        cfg = module.model.config
        module.precision = "fp32"
        module.band_power = BandPowerDFT(cfg.patch_len, cfg.band_sfreq)
        module.log_power = BandPowerDFT(cfg.patch_len, cfg.band_sfreq, offset=LOG_POWER_FLOOR)
        device = next(module.model.parameters()).device
        return module.to(device)

    def forward(self, x: Tensor) -> Tensor | Any:
        return self.forward_scaled(*self.scaling(x))

    def features_scaled(self, x: Tensor) -> Tensor:
        """What the head reads: the readout of the encoder's tokens of scaled patches x
        (the tokens (B, C, L, d) without a readout)."""
        # (B, C, L, 8) band powers, shared by embedding and readout; eager: FFT inside them
        power = None if self.band_power is None else self.band_power(x)
        with autocast(self.precision, x.device):
            out = self.model(x, layer=self.layer, power=power)  # (B, C, L, d)
        if self.readout is None:
            return out
        extras = getattr(self.readout, "extra_features", ())
        log_power = (self.log_power(x) if self.log_power is not None
                     and "log_band_power" in extras else None)
        return self.readout(out, x, power, log_power)

    def forward_scaled(self, x: Tensor, center: Tensor, scale: Tensor) -> Tensor:
        """The output for patches already scaled by :attr:`scaling`; ``center`` and
        ``scale`` (broadcasting against x) undo the scaling of a forecast."""
        out = self.features_scaled(x)
        if self.head is None:
            return out
        out = self.head(self.standardize(out))
        if self.freq_scale is not None:
            return freq_phase_output(*out, self.freq_scale)
        if self.unscale:  # (B, C, T) forecast in scaled units -> µV
            out = out * scale[..., 0] + center[..., 0]
        return out


class ImputationPipeline(nn.Module):
    """A fitted imputer's network stages: the input scaling, then the encoder and
    imputation head reading a baseline's fill of the scaled patches and the mask.

    The baseline fill sits between the two stages (a SciPy or scikit-learn imputer on
    NumPy arrays), so the estimator runs them in turn: :attr:`scaling` (NaN become 0),
    the fill, then this module on the fill packed with the mask.

    Parameters
    ----------
    scaling : InputScaling
        The fitted input scaling.
    model : ImputationModel
        The encoder and imputation head.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from bptlearn.nn import BPTModel
    >>> from bptlearn.nn.heads import ImputationHead, ImputationModel
    >>> from bptlearn.nn.pipeline import ImputationPipeline, InputScaling
    >>> model = BPTModel(preset="nano", d_model=32, nhead=2, dim_feedforward=64,
    ...                  n_temporal_layers=1, n_spatial_layers=1)
    >>> pipeline = ImputationPipeline(
    ...     InputScaling("global", center=np.zeros(1), scale=np.full(1, 10.0)),
    ...     ImputationModel(model, ImputationHead(32, patch_len=1500))).eval()
    >>> x = torch.randn(2, 3, 1, 1500) * 10
    >>> x[0, 0, 0, :100] = float("nan")  # (B, C, L, P) raw patches, 100 samples missing
    >>> scaled, center, scale = pipeline.scaling(x)  # NaN -> 0; a baseline would fill them
    >>> packed = torch.cat([scaled, torch.isnan(x).float()], dim=-1)  # (B, C, L, 2P)
    >>> pipeline(packed).shape  # the scaled reconstruction of every sample
    torch.Size([2, 3, 1, 1500])
    """

    def __init__(self, scaling: InputScaling, model: ImputationModel) -> None:
        super().__init__()
        self.scaling = scaling
        self.model = model

    def forward(self, packed: Tensor) -> Tensor:
        # packed (B, C, L, 2P): the scaled fill, then the mask -> (B, C, L, P) scaled
        return self.model(packed)
