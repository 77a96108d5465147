"""Brant (BPT): a foundation model for intracranial neural signals.

Daoze Zhang, Zhizhang Yuan, Yang Yang, Junru Chen, Jingjing Wang, Yafeng Li.
"Brant: Foundation Model for Intracranial Neural Signal", NeurIPS 2023.

Shapes: B windows, C channels, L patches (<= 15), P samples per patch (1500), d width.
The input (B, C, L, P) becomes one token per channel and patch; a temporal encoder
attends over each channel's L tokens, then a spatial encoder over the C channels at
each patch. There is no channel embedding, so any number of channels works.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..utils._check import _check_option
from .config import BPTConfig
from .embedding import PatchEmbedding
from .encoder import Encoder, SelfAttention

#: The encoder stage an embedding is read after: ``'temporal'`` (each channel alone) or
#: ``'spatial'`` (after mixing channels, the full model).
LAYERS = ("spatial", "temporal")


class BPTModel(nn.Module):
    """Brant encoder: (B, C, L, P) samples -> (B, C, L, d) embeddings.

    Parameters
    ----------
    config : BPTConfig or None, default=None
        Full configuration. Leave it ``None`` to build from ``preset`` and overrides.
    preset : {'nano', 'tiny', 'small', 'medium', 'large'} or None, default=None
        Named size (``'tiny'`` when neither ``config`` nor ``preset`` is given).
    **overrides
        Any :class:`BPTConfig` field, e.g. ``dropout=0.0`` or ``band_sfreq=256.0``.

    Attributes
    ----------
    config : BPTConfig
        The sizes the model was built with.
    pretrained_cfg : bptlearn.weights.PretrainedCfg or None
        Facts about the loaded weights (source, input contract); set by
        :func:`bptlearn.weights.load`, None for a freshly built model.

    Notes
    -----
    ``forward`` checks shapes and dtype only, which costs nothing. It does not scan the
    samples for NaN or infinite values (on a GPU a full scan forces a device-to-host sync
    on every call): the estimators and pretraining refuse non-finite input where it
    enters, and the model passes NaN through to its output.

    Examples
    --------
    >>> import torch
    >>> from bptlearn.nn import BPTModel
    >>> model = BPTModel(preset="nano").eval()
    >>> x = torch.randn(2, 5, 3, 1500)  # 2 windows, 5 channels, 3 patches of 6 s
    >>> model(x).shape
    torch.Size([2, 5, 3, 128])
    """

    def __init__(self, config: BPTConfig | None = None, *, preset: str | None = None,
                 **overrides: Any) -> None:
        super().__init__()
        if config is None:
            config = BPTConfig.preset(preset or "tiny", **overrides)
        elif preset is not None or overrides:
            raise ValueError(
                "Pass either a BPTConfig or preset=/field overrides, not both; "
                "use config.replace(...) to change fields of a config."
            )
        if not isinstance(config, BPTConfig):
            raise TypeError(
                f"config must be an instance of BPTConfig, got {type(config).__name__} instead."
            )
        self.config = config
        self.pretrained_cfg: Any = None  # a weights.PretrainedCfg once loaded
        self.embed = PatchEmbedding(config)
        self.temporal = Encoder(config, config.n_temporal_layers)
        self.spatial = Encoder(config, config.n_spatial_layers)
        self.rec_head = nn.Linear(config.d_model, config.patch_len)  # pretraining only
        self.apply(self._init_weights)

    @classmethod
    def from_config(cls, config: BPTConfig | dict[str, Any]) -> BPTModel:
        """Build a model from a :class:`BPTConfig` or its ``to_dict()``."""
        return cls(config if isinstance(config, BPTConfig) else BPTConfig(**config))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        # Kaiming-normal (fan_out, ReLU) linear layers as in the paper's code; the fused
        # query/key/value projection keeps nn.MultiheadAttention's Xavier-uniform init.
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(module.bias)
        if isinstance(module, SelfAttention):  # apply() visits children first
            nn.init.xavier_uniform_(module.in_proj.weight)

    def get_num_params(self) -> int:
        """Number of parameters, mask tokens included (as the official code counts)."""
        return sum(p.numel() for p in self.parameters())

    def check_input(self, x: Any) -> None:
        """Raise ``ValueError`` unless ``x`` is a (B, C, L, P) tensor this model takes.

        Shapes and dtype only: the values are not scanned (see the class Notes)."""
        cfg = self.config
        want = f"(batch, n_chans, n_patches <= {cfg.n_patches}, patch_len={cfg.patch_len})"
        if not isinstance(x, Tensor):
            raise TypeError(f"x must be an instance of torch.Tensor, got {type(x).__name__}.")
        if x.ndim != 4:
            raise ValueError(f"x must have 4 dimensions {want}, got shape {tuple(x.shape)}.")
        B, C, L, P = x.shape
        if P != cfg.patch_len:
            raise ValueError(
                f"x has patches of {P} samples, but this model takes {cfg.patch_len} "
                f"({cfg.patch_len / cfg.sfreq:g} s at {cfg.sfreq:g} Hz); expected shape {want}."
            )
        if not 1 <= L <= cfg.n_patches:
            raise ValueError(
                f"x has {L} patches per window, but the positional table holds "
                f"1 to {cfg.n_patches}; expected shape {want}. Cut longer recordings into windows."
            )
        if B == 0 or C == 0:
            raise ValueError(f"x is empty (shape {tuple(x.shape)}); expected shape {want}.")
        weights = self.embed.band_encoding.dtype
        if not x.is_floating_point():
            raise ValueError(f"x must be a floating-point tensor, got {x.dtype}; use x.float().")
        if x.dtype != weights and not torch.is_autocast_enabled(x.device.type):
            raise ValueError(f"x has dtype {x.dtype}, but the model's weights are {weights}; "
                             f"convert with x.to({weights}).")

    def encode(self, tokens: Tensor, layer: str = "spatial",
               padding_mask: Tensor | None = None) -> Tensor:
        """Run the encoders on tokens (B, C, L, d); ``layer='temporal'`` stops before mixing
        channels. ``padding_mask`` (B, C), True for padded channels, hides them from the
        spatial encoder."""
        B, C, L, d = tokens.shape
        h = self.temporal(tokens.reshape(B * C, L, d))  # (B*C, L, d)
        if layer == "temporal":
            return h.view(B, C, L, d)
        h = h.view(B, C, L, d).transpose(1, 2).reshape(B * L, C, d)  # (B*L, C, d)
        if padding_mask is not None:
            padding_mask = padding_mask.repeat_interleave(L, dim=0)  # (B*L, C)
        h = self.spatial(h, padding_mask)
        return h.view(B, L, C, d).transpose(1, 2)  # (B, C, L, d)

    def forward(self, x: Tensor, *, layer: str = "spatial", padding_mask: Tensor | None = None,
                power: Tensor | None = None) -> Tensor:
        """Embeddings (B, C, L, d) of x (B, C, L, P); see :meth:`encode` for the options.

        ``power`` (B, C, L, 8) is the log band power of x when already computed (export
        computes it with :class:`~bptlearn.nn.BandPowerDFT`)."""
        _check_option("layer", layer, LAYERS)
        self.check_input(x)
        if padding_mask is not None and (padding_mask.dtype != torch.bool
                                         or padding_mask.shape != x.shape[:2]):
            raise ValueError(
                f"padding_mask must be a bool tensor of shape {tuple(x.shape[:2])} (batch, "
                f"n_chans), True for padded channels, got {padding_mask.dtype} of shape "
                f"{tuple(padding_mask.shape)}.")
        return self.encode(self.embed(x, power=power), layer, padding_mask)

    def reconstruct(self, x: Tensor, mask: Tensor, *, mask_power: bool = False) -> Tensor:
        """Pretraining pass: hide the patches where ``mask`` (B, C, L) is True, rebuild all.

        Returns the reconstruction (B, C, L, P). The official objective is the MSE of it
        against ``x`` over every token; ``mask_power=True`` also hides the band power of
        masked patches.
        """
        self.check_input(x)
        if mask.shape != x.shape[:3] or mask.dtype != torch.bool:
            raise ValueError(
                f"mask must be a bool tensor of shape {tuple(x.shape[:3])} (batch, n_chans, "
                f"n_patches), got {mask.dtype} of shape {tuple(mask.shape)}."
            )
        return self.rec_head(self.encode(self.embed(x, mask, mask_power)))

    def extra_repr(self) -> str:
        cfg = self.config
        return (f"d_model={cfg.d_model}, layers={cfg.n_temporal_layers}+{cfg.n_spatial_layers}, "
                f"params={self.get_num_params() / 1e6:.2f}M")


def flops_per_token(config: BPTConfig, n_chans: int, n_patches: int) -> float:
    """Forward FLOPs per token of embedding + both encoders (no reconstruction head).

    Counts each multiply-add as 2 FLOPs: every linear layer and the two attention
    matmuls (temporal attention spans ``n_patches`` tokens, spatial spans ``n_chans``).

    Examples
    --------
    >>> from bptlearn.nn import BPTConfig, flops_per_token
    >>> round(flops_per_token(BPTConfig.preset("nano"), n_chans=16, n_patches=15) / 1e6, 2)
    1.99
    >>> round(flops_per_token(BPTConfig.preset("large"), n_chans=16, n_patches=15) / 1e9, 2)
    1.01
    """
    d, ff, P = config.d_model, config.dim_feedforward, config.patch_len
    per_layer = 2 * (4 * d * d + 2 * d * ff)
    attn = 4 * d * (config.n_temporal_layers * n_patches + config.n_spatial_layers * n_chans)
    layers = per_layer * (config.n_temporal_layers + config.n_spatial_layers)
    return float(2 * P * d + layers + attn)
