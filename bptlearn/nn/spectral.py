"""Band power of patches, batched on the tensor's device.

Brant adds to every token a softmax over the log power of 8 frequency bands of
its patch. The official code loops over patches with :func:`scipy.signal.periodogram`;
here the same numbers come from one :func:`torch.fft.rfft` and a band-membership
matrix, so the whole batch is done in one matrix product.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor, nn

from ..utils._check import _check_sfreq

# Band edges in Hz; band i is the half-open interval (BAND_EDGES[i], BAND_EDGES[i + 1]].
# At 250 Hz the last band is effectively (110, 125] and includes the Nyquist bin.
BAND_EDGES: tuple[float, ...] = (4.0, 8.0, 13.0, 30.0, 50.0, 70.0, 90.0, 110.0, 128.0)
BAND_NAMES: tuple[str, ...] = ("theta", "alpha", "beta", "gamma1", "gamma2", "gamma3", "gamma4",
                               "gamma5")
N_BANDS = len(BAND_NAMES)
# Offset of a true log band power (readouts, baselines): keeps flat patches finite.
LOG_POWER_FLOOR = 1e-6


@lru_cache(maxsize=32)
def _band_matrix(n_times: int, sfreq: float) -> np.ndarray:
    """(n_freqs, n_bands) float64 matrix folding a one-sided density PSD into band sums.

    It holds the periodogram's density scaling and one-sided doubling, so that
    ``|rfft(x - mean)|**2 @ M`` equals scipy's per-band sums of ``periodogram(x, sfreq)``.
    Frequencies are computed as scipy computes them, so edge bins fall on the same side.
    """
    freqs = np.fft.rfftfreq(n_times, 1.0 / sfreq)
    weight = np.full(freqs.shape, 2.0 / (sfreq * n_times))
    weight[0] /= 2  # DC is not doubled
    if n_times % 2 == 0:
        weight[-1] /= 2  # nor is the Nyquist bin of an even-length signal
    lo, hi = np.asarray(BAND_EDGES[:-1]), np.asarray(BAND_EDGES[1:])
    member = (freqs[:, None] > lo) & (freqs[:, None] <= hi)
    return member * weight[:, None]


def band_power(x: Tensor, sfreq: float, *, offset: float = 1.0) -> Tensor:
    """Log band power of each patch, as Brant computes it.

    For each band ``(lo, hi]`` of :data:`BAND_EDGES`, the periodogram power
    spectral density of the patch (boxcar window, mean removed, density scaling, as
    :func:`scipy.signal.periodogram` with its defaults) is summed over the band's
    frequency bins and mapped to ``log10(sum + offset)``.

    Parameters
    ----------
    x : torch.Tensor of shape (..., n_times)
        Patches, any leading dimensions; the last one is time. Real, floating point;
        NaN or infinite samples are not refused here (checked where data enter, in the
        estimators and pretraining) and give NaN power.
    sfreq : float
        Sampling rate in Hz that the spectrum assumes. Brant's official code uses
        256 on data at 250 Hz; pass 256 to reproduce it.
    offset : float, default=1.0
        Added before the logarithm. Brant's 1.0 makes ``log10(sum + 1)`` nearly linear
        for the small band powers of scaled signals (a unit-variance patch has band
        sums below 1); a small offset such as :data:`~bptlearn.nn.LOG_POWER_FLOOR` gives a true log
        power, the feature to hand a linear classifier.

    Returns
    -------
    power : torch.Tensor of shape (..., 8)
        ``log10(band power + offset)`` per band, same dtype and device as ``x``
        (computed in float32 at least).

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import band_power
    >>> t = torch.arange(1500) / 250.0
    >>> p = band_power(torch.sin(2 * torch.pi * 10.0 * t), sfreq=250.0)
    >>> p.shape, int(p.argmax())  # 10 Hz lies in the alpha band (8, 13]
    (torch.Size([8]), 1)
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be an instance of torch.Tensor, got {type(x).__name__} instead.")
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(
            f"x must have shape (..., n_times) with n_times >= 2 samples per patch, "
            f"got shape {tuple(x.shape)}."
        )
    if x.numel() == 0:
        raise ValueError(f"x is empty (shape {tuple(x.shape)}); pass at least one patch.")
    if not x.is_floating_point():
        raise ValueError(
            f"x must be a real floating-point tensor, got dtype {x.dtype}; "
            "convert it with x.float()."
        )
    sfreq = _check_sfreq(sfreq)  # values are not scanned: NaN in x gives NaN power
    dtype = torch.promote_types(x.dtype, torch.float32)
    with torch.autocast(device_type=x.device.type, enabled=False):  # keep the spectrum exact
        xf = x.to(dtype)
        spectrum = torch.fft.rfft(xf - xf.mean(dim=-1, keepdim=True), dim=-1)
        psd = spectrum.real.square() + spectrum.imag.square()  # (..., n_freqs)
        fold = _band_matrix(x.shape[-1], float(sfreq))
        power = torch.log10(psd @ torch.as_tensor(fold, dtype=dtype, device=x.device) + offset)
    return power.to(x.dtype)


class BandPowerDFT(nn.Module):
    """Log band power of patches through a real DFT matrix: :func:`band_power` without
    :func:`torch.fft.rfft`, for export (ONNX, TorchScript).

    The frequency bins that fall in one of Brant's 8 bands (all above 4 Hz, so never the
    DC bin) are computed as one product with a ``(patch_len, 2 K)`` matrix of cosines and
    sines (float64 tables stored as float32), squared, and folded into bands with the
    same matrix :func:`~bptlearn.nn.band_power` uses. ONNX Runtime's own DFT operator is
    about 10x less accurate in float32; this one matches ``band_power`` to about 1e-6.

    Parameters
    ----------
    patch_len : int
        Samples per patch (the last axis of the input).
    sfreq : float
        Sampling rate the spectrum assumes, in Hz (the model's ``band_sfreq``).
    offset : float, default=1.0
        Added before the logarithm, as in :func:`band_power`.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BandPowerDFT, band_power
    >>> x = torch.randn(2, 3, 1500)
    >>> bool(torch.allclose(BandPowerDFT(1500, 250.0)(x), band_power(x, 250.0), atol=1e-5))
    True
    """

    def __init__(self, patch_len: int, sfreq: float, offset: float = 1.0) -> None:
        super().__init__()
        self.offset = float(offset)
        fold = _band_matrix(int(patch_len), float(sfreq))  # (n_freqs, 8)
        bins = np.flatnonzero(fold.any(axis=1))  # (K,) bins inside some band
        angle = 2 * np.pi * np.outer(np.arange(patch_len), bins) / patch_len  # (P, K)
        dft = np.concatenate([np.cos(angle), np.sin(angle)], axis=1)  # (P, 2K)
        self.register_buffer("dft", torch.tensor(dft, dtype=torch.float32), persistent=False)
        self.register_buffer("fold", torch.tensor(np.concatenate([fold[bins], fold[bins]]),
                                                  dtype=torch.float32), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        # x: (..., P) -> (..., 8); removing the mean only guards float32 against a DC offset
        z = (x - x.mean(dim=-1, keepdim=True)) @ self.dft  # (..., 2K): real, imaginary parts
        return torch.log10(z.square() @ self.fold + self.offset)
