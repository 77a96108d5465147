"""Sizes of the Brant model: one frozen dataclass and its named presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..utils._check import _check_option

# The four sizes of the paper (Zhang et al., 2023, Table 5) and one CPU-sized preset of ours.
# Parameter counts (embedding + encoders + reconstruction head + the two mask tokens):
# tiny 68.49 M, small 103.90 M, medium 249.23 M, large 505.69 M, nano 1.18 M.
PRESETS: dict[str, dict[str, Any]] = {
    "nano": dict(d_model=128, n_temporal_layers=2, n_spatial_layers=2, nhead=4,
                 dim_feedforward=512),
    "tiny": dict(d_model=768, n_temporal_layers=8, n_spatial_layers=4, dim_feedforward=2048),
    "small": dict(d_model=1024, n_temporal_layers=8, n_spatial_layers=4, dim_feedforward=2048),
    "medium": dict(d_model=1280, n_temporal_layers=12, n_spatial_layers=5, dim_feedforward=3072),
    "large": dict(d_model=2048, n_temporal_layers=12, n_spatial_layers=5, dim_feedforward=3072),
}


@dataclass(frozen=True)
class BPTConfig:
    """Every size knob of :class:`~bptlearn.nn.BPTModel`.

    Parameters
    ----------
    d_model : int, default=768
        Token width d.
    n_temporal_layers : int, default=8
        Layers of the temporal encoder (over each channel's patches).
    n_spatial_layers : int, default=4
        Layers of the spatial encoder (over the channels at each patch).
    nhead : int, default=16
        Attention heads; 16 in every published size.
    dim_feedforward : int, default=2048
        Hidden width of the feed-forward blocks.
    dropout : float, default=0.1
        Dropout of the encoder layers (PyTorch's default, as in the paper).
    patch_len : int, default=1500
        Samples per patch: 6 s at 250 Hz.
    n_patches : int, default=15
        Rows of the positional table, hence the longest input (15 patches = 90 s).
    sfreq : float, default=250.0
        Sampling rate the model expects, in Hz.
    band_sfreq : float, default=250.0
        Rate the band-power spectrum assumes, in Hz. The official code used 256 on
        data at 250 Hz; set 256 to reproduce the released weights exactly.
    learnable_mask : bool, default=False
        Whether the two mask tokens are trained (the released weights were saved so).

    Examples
    --------
    >>> from bptlearn.nn import BPTConfig
    >>> BPTConfig.preset("large").d_model
    2048
    >>> BPTConfig.preset("nano", dropout=0.0).dropout
    0.0
    """

    d_model: int = 768
    n_temporal_layers: int = 8
    n_spatial_layers: int = 4
    nhead: int = 16
    dim_feedforward: int = 2048
    dropout: float = 0.1
    patch_len: int = 1500
    n_patches: int = 15
    sfreq: float = 250.0
    band_sfreq: float = 250.0
    learnable_mask: bool = False

    def __post_init__(self) -> None:
        for name in ("d_model", "n_temporal_layers", "n_spatial_layers", "nhead",
                     "dim_feedforward", "patch_len", "n_patches"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"BPTConfig.{name} must be a positive int, got {value!r}.")
        if self.d_model % self.nhead:
            raise ValueError(
                f"BPTConfig.d_model={self.d_model} must be divisible by nhead={self.nhead}; "
                "pick a head count that divides the token width."
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"BPTConfig.dropout must lie in [0, 1), got {self.dropout!r}.")
        if self.patch_len < 2:
            raise ValueError(f"BPTConfig.patch_len must be >= 2 samples, got {self.patch_len}.")
        for name in ("sfreq", "band_sfreq"):
            if not getattr(self, name) > 0:
                raise ValueError(f"BPTConfig.{name} must be a positive rate in Hz.")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> BPTConfig:
        """Return the named preset, with any field overridden by keyword."""
        _check_option("preset", name, PRESETS)
        unknown = set(overrides) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(
                f"Unknown BPTConfig field(s) {sorted(unknown)}; valid fields are "
                f"{[f.name for f in fields(cls)]}."
            )
        return cls(**{**PRESETS[name], **overrides})

    def replace(self, **changes: Any) -> BPTConfig:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field; ``BPTConfig(**cfg.to_dict()) == cfg``."""
        return asdict(self)
