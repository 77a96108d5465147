"""The Brant model in pure PyTorch: configuration, band power, encoders, heads."""

from .config import PRESETS, BPTConfig
from .model import LAYERS, BPTModel, flops_per_token
from .precision import PRECISIONS, autocast, quantize_int8
from .spectral import (
    BAND_EDGES,
    BAND_NAMES,
    LOG_POWER_FLOOR,
    N_BANDS,
    BandPowerDFT,
    band_power,
)

__all__ = [
    "BAND_EDGES",
    "BAND_NAMES",
    "LAYERS",
    "LOG_POWER_FLOOR",
    "N_BANDS",
    "PRECISIONS",
    "PRESETS",
    "BPTConfig",
    "BPTModel",
    "BandPowerDFT",
    "autocast",
    "band_power",
    "flops_per_token",
    "quantize_int8",
]
